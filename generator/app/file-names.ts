/**
 * The pipeline files the commands write, which their help names too: a module of their own, so
 * that printing the help loads no use case.
 */
export const MAIN_PIPELINE = 'spacktainers.yml';
export const BASE_IMAGES_PIPELINE = 'base-images.yml';

/** The publishing pipeline of an architecture when its containers fit in one file. */
export const PUBLISH_PIPELINE = 'containers.yml';

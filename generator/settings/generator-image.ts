/**
 * The image generator jobs run in (`images.generator`). Given without a tag or digest, it is
 * the image of this generator's own version: the jobs a generator writes run the same version
 * that wrote them, and a release changes the image without an edit to the settings.
 */
export function generatorImage(image: string, version: string): string {
  const name = image.slice(image.lastIndexOf('/') + 1);
  return name.includes(':') || name.includes('@') ? image : `${image}:${version}`;
}

/** Servers shared by all suites are started here (registry, S3) as suites need them. */
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}

/** An object as ListObjectsV2 shows it. */
export interface ListedObject {
  key: string;
  lastModified: Date;
  size: number;
}

/**
 * The few S3 operations the janitor uses. Every method either succeeds completely or throws:
 * a listing is never returned partially, so no decision is made on partial information.
 */
export interface Bucket {
  /** Every object under `prefix`; with `delimiter`, only those not below a further delimiter. */
  list(prefix: string, options?: { delimiter?: string }): Promise<ListedObject[]>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Delete keys in batches; keys that do not exist count as deleted (S3 semantics). */
  delete(keys: string[]): Promise<void>;
  /** HTTP requests sent so far, retries included. */
  readonly requests: number;
}

import { gunzipSync } from 'node:zlib';
import type { SpecNode } from './spack-index.js';
import { SpacktainersError } from '../errors.js';

/** The JSON inside a clearsigned document (Spack signs spec files and v3 manifests that way). */
export function clearsignedJson(text: string): string {
  if (!text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return text;
  const body = text.slice(text.indexOf('\n\n') + 2);
  return body.slice(0, body.indexOf('-----BEGIN PGP SIGNATURE-----'));
}

/** A spec file's bytes as Spack stores them: plain, clearsigned, or gzip-compressed (v3 blobs). */
export function decodeSpecDocument(bytes: Uint8Array): unknown {
  return JSON.parse(clearsignedJson(documentText(bytes)));
}

/** The text of a blob, decompressed when it is gzip. */
export function documentText(bytes: Uint8Array): string {
  const plain = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return Buffer.from(plain).toString('utf8');
}

/** The node of `hash` in a spec file (`{"spec": {"nodes": [...]}}`). */
export function nodeOfSpecFile(document: unknown, hash: string, source: string): SpecNode {
  const nodes = (document as { spec?: { nodes?: SpecNode[] } } | null)?.spec?.nodes;
  const node = nodes?.find((candidate) => candidate.hash === hash);
  if (!node) throw new SpacktainersError('service', `${source}: spec file without a node for ${hash}`);
  return node;
}

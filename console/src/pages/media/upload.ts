// A presigned upload from the browser: the file's SHA-256, `createUpload`, a PUT straight to
// the URL it returned (with progress), then `finalizeUpload`, which checks size and hash.
import type { Client } from 'urql';
import { graphql } from '../../gql';

export const CreateUploadDocument = graphql(`
  mutation CreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      media { id }
      url
      method
      headers { name value }
    }
  }
`);

export const FinalizeUploadDocument = graphql(`
  mutation FinalizeUpload($id: ID!) {
    finalizeUpload(id: $id) { id name status kind }
  }
`);

export const UploadPartUrlsDocument = graphql(`
  mutation UploadPartUrls($id: ID!, $parts: [UploadPartInput!]!) {
    uploadPartUrls(id: $id, parts: $parts) { number url method headers { name value } }
  }
`);

export const UploadPartsDocument = graphql(`
  query UploadParts($id: ID!) {
    uploadParts(id: $id) { partSize partCount missing }
  }
`);

export const CompleteUploadDocument = graphql(`
  mutation CompleteUpload($id: ID!) {
    completeUpload(id: $id) { id name status kind }
  }
`);

/** Files from this size on go up in parts, so a broken connection or a reload costs a part,
 *  not the file. */
export const MULTIPART_FROM = 8 * 1024 * 1024;
/** Bytes per part (the smallest the API takes), for files up to 1 GiB; larger ones use the
 *  server's default. */
const PART_SIZE = 5 * 1024 * 1024;

async function sha256(file: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function put(url: string, method: string, headers: { name: string; value: string }[], file: Blob, progress: (share: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    for (const { name, value } of headers) request.setRequestHeader(name, value);
    request.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
    request.onload = () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(new Error(`the storage answered ${request.status}: ${request.responseText.slice(0, 200)}`));
    request.onerror = () => reject(new Error('the upload could not reach the storage (network or CORS)'));
    request.send(file);
  });
}

/** Uploads `file`; resolves with the live media's id. Large files go up in parts and resume:
 *  dropping the same file again (after a failure or a reload of the page) sends only the
 *  parts the API does not hold yet. */
export async function uploadFile(client: Client, file: File, tags: string[], progress: (share: number) => void, note?: (text: string) => void): Promise<string> {
  if (file.size >= MULTIPART_FROM) return uploadInParts(client, file, tags, progress, note ?? (() => undefined));
  const input = { filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size, sha256: await sha256(file), tags };
  const created = await client.mutation(CreateUploadDocument, { input }).toPromise();
  if (created.error || !created.data) throw created.error ?? new Error('no answer');
  const ticket = created.data.createUpload;
  if (!ticket.url) throw new Error('this file needs a multipart upload, which the console does not offer yet');
  await put(ticket.url, ticket.method, ticket.headers, file, progress);
  const done = await client.mutation(FinalizeUploadDocument, { id: ticket.media.id }).toPromise();
  if (done.error || !done.data) throw done.error ?? new Error('no answer');
  return done.data.finalizeUpload.id;
}

/** Where an unfinished multipart upload of this file is remembered (this tab only). */
function resumeKey(file: File): string {
  return `mediamagic.console.upload:${file.name}:${file.size}:${file.lastModified}`;
}

async function uploadInParts(client: Client, file: File, tags: string[], progress: (share: number) => void, note: (text: string) => void): Promise<string> {
  const key = resumeKey(file);
  let id = sessionStorage.getItem(key);
  let partSize = 0;
  let missing: number[] = [];
  if (id) {
    const held = await client.query(UploadPartsDocument, { id }, { requestPolicy: 'network-only' }).toPromise();
    if (held.data) {
      partSize = held.data.uploadParts.partSize;
      missing = held.data.uploadParts.missing;
      note(`Resuming: ${held.data.uploadParts.partCount - missing.length} of ${held.data.uploadParts.partCount} parts are already stored`);
    } else {
      id = null; // finished, aborted or expired: start again
    }
  }
  if (!id) {
    const input = {
      filename: file.name,
      contentType: file.type || 'application/octet-stream',
      size: file.size,
      sha256: await sha256(file),
      tags,
      multipart: true,
      ...(file.size <= 1024 ** 3 ? { partSize: PART_SIZE } : {}),
    };
    const created = await client.mutation(CreateMultipartUploadDocument, { input }).toPromise();
    if (created.error || !created.data?.createUpload.multipart) throw created.error ?? new Error('no multipart upload');
    id = created.data.createUpload.media.id;
    partSize = created.data.createUpload.multipart.partSize;
    const count = created.data.createUpload.multipart.partCount;
    missing = Array.from({ length: count }, (_, i) => i + 1);
    sessionStorage.setItem(key, id);
  }
  let sent = file.size - missing.reduce((total, n) => total + Math.min(partSize, file.size - (n - 1) * partSize), 0);
  for (const number of missing) {
    const part = file.slice((number - 1) * partSize, Math.min(number * partSize, file.size));
    const urls = await client.mutation(UploadPartUrlsDocument, { id, parts: [{ number, sha256: await sha256(part) }] }).toPromise();
    const target = urls.data?.uploadPartUrls[0];
    if (urls.error || !target) throw urls.error ?? new Error(`no URL for part ${number}`);
    await put(target.url, target.method, target.headers, part, (share) => progress((sent + share * part.size) / file.size));
    sent += part.size;
  }
  const done = await client.mutation(CompleteUploadDocument, { id }).toPromise();
  if (done.error || !done.data) throw done.error ?? new Error('no answer');
  sessionStorage.removeItem(key);
  return done.data.completeUpload.id;
}

const CreateMultipartUploadDocument = graphql(`
  mutation CreateMultipartUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      media { id }
      multipart { partSize partCount }
    }
  }
`);

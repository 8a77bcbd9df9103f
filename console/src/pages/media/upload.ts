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

async function sha256(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function put(url: string, method: string, headers: { name: string; value: string }[], file: File, progress: (share: number) => void): Promise<void> {
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

/** Uploads `file`; resolves with the live media's id. */
export async function uploadFile(client: Client, file: File, tags: string[], progress: (share: number) => void): Promise<string> {
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

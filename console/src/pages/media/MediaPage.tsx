// Media: drop files to upload them (presigned, with progress), filter by tag or name, preview,
// see details and delete.
import { useState, type DragEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { Empty, ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';
import { uploadFile } from './upload';

export const MediaListDocument = graphql(`
  query MediaList($filter: MediaFilter, $first: Int) {
    mediaList(filter: $filter, first: $first) {
      totalCount
      nodes { id name kind contentType size status tags createdAt url thumbnailUrl jobId }
    }
  }
`);

const DeleteMediaDocument = graphql(`
  mutation DeleteMedia($id: ID!) {
    deleteMedia(id: $id)
  }
`);

interface Upload {
  id: number;
  name: string;
  share: number;
  error?: Error;
  done?: boolean;
  note?: string;
}

export function MediaPage() {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [tag, setTag] = useState('');
  const variables = { first: 50, filter: { ...(search ? { search } : {}), ...(tag ? { tags: [tag] } : {}) } };
  const [list, refresh] = useQuery({ query: MediaListDocument, variables });
  const [, remove] = useMutation(DeleteMediaDocument);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [dragging, setDragging] = useState(false);

  async function start(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const id = Date.now() + Math.random();
      setUploads((all) => [...all, { id, name: file.name, share: 0 }]);
      const update = (change: Partial<Upload>) => setUploads((all) => all.map((u) => (u.id === id ? { ...u, ...change } : u)));
      try {
        await uploadFile(client, file, [], (share) => update({ share }), (note) => update({ note }));
        update({ share: 1, done: true });
      } catch (e) {
        update({ error: e instanceof Error ? e : new Error(String(e)) });
      }
    }
    refresh({ requestPolicy: 'network-only' });
  }

  function drop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length) void start(event.dataTransfer.files);
  }

  return (
    <main>
      <h1>Media</h1>
      <section
        className={`drop ${dragging ? 'dragging' : ''}`}
        aria-label="Upload"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
      >
        <p>Drop images, video or audio here, or</p>
        <p className="muted">Files of 8 MiB and more go up in parts: if an upload breaks (or you reload the page), drop the same file again to send only what is missing.</p>
        <label className="button">
          Choose files
          <input type="file" multiple className="visually-hidden" onChange={(e) => e.target.files && void start(e.target.files)} />
        </label>
        {uploads.length > 0 && (
          <ul className="uploads" aria-label="Uploads">
            {uploads.map((u) => (
              <li key={u.id}>
                {u.name}{' '}
                <progress max={1} value={u.share} aria-label={`Upload of ${u.name}`} />{' '}
                {u.done ? <span className="ok">Uploaded</span> : u.error ? <ErrorNote error={u.error} /> : `${Math.round(u.share * 100)}%`}
                {u.note && <small className="muted"> {u.note}</small>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          Tag
          <input value={tag} onChange={(e) => setTag(e.target.value.trim())} />
        </label>
      </form>
      {list.fetching && !list.data && <Loading what="media" />}
      <ErrorNote error={list.error} />
      {list.data && list.data.mediaList.nodes.length === 0 && <Empty>No media yet: drop a file above.</Empty>}
      <ul className="cards" aria-label="Media">
        {list.data?.mediaList.nodes.map((m) => (
          <li key={m.id} className="card">
            <Preview kind={m.kind ?? null} url={m.url ?? null} thumbnail={m.thumbnailUrl ?? null} name={m.name} />
            <h2>
              <a href={`#/media/${m.id}`}>{m.name}</a>
            </h2>
            <p className="muted">
              {m.kind?.toLowerCase() ?? m.contentType} · {(m.size / 1024).toFixed(1)} KiB · {m.status?.toLowerCase()}
              {m.jobId && (
                <>
                  {' '}
                  · made by <a href={`#/jobs/${m.jobId}`}>a job</a>
                </>
              )}
            </p>
            {m.tags.length > 0 && <p className="tags">{m.tags.map((t) => <span key={t}>{t}</span>)}</p>}
            <p className="actions">
              {m.url && (
                <a href={m.url} download={m.name}>
                  Download {m.name}
                </a>
              )}
              <button
                type="button"
                onClick={() => {
                  if (confirm(`Delete ${m.name}?`)) void remove({ id: m.id }).then(() => refresh({ requestPolicy: 'network-only' }));
                }}
              >
                Delete {m.name}
              </button>
            </p>
          </li>
        ))}
      </ul>
      <OperationPanel document={MediaListDocument} variables={variables} name="MediaList" />
    </main>
  );
}

export function Preview({ kind, url, thumbnail, name }: { kind: string | null; url: string | null; thumbnail: string | null; name: string }) {
  if (!url) return null;
  if (kind === 'IMAGE') return <img src={thumbnail ?? url} alt={name} loading="lazy" />;
  if (kind === 'VIDEO') return <video src={url} controls preload="metadata" poster={thumbnail ?? undefined} aria-label={name} />;
  if (kind === 'AUDIO') return <audio src={url} controls preload="metadata" aria-label={name} />;
  return null;
}

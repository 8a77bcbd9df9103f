// One media: a player, its metadata (what ffprobe found), its lineage (the job that made it),
// and its name and tags, editable.
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';
import { Preview } from './MediaPage';

const MediaDetailsDocument = graphql(`
  query MediaDetails($id: ID!) {
    media(id: $id) {
      id name kind contentType size sha256 status failure tags createdAt url thumbnailUrl jobId
      metadata { width height durationSeconds videoCodec audioCodec bitrate frameRate format }
      job { id status deployment { name model { name } } }
    }
  }
`);

const UpdateMediaDocument = graphql(`
  mutation UpdateMedia($id: ID!, $input: UpdateMediaInput!) {
    updateMedia(id: $id, input: $input) { id name tags }
  }
`);

export function MediaDetailsPage({ mediaId }: { mediaId: string }) {
  const [found, refresh] = useQuery({ query: MediaDetailsDocument, variables: { id: mediaId } });
  const [updated, update] = useMutation(UpdateMediaDocument);
  const [name, setName] = useState('');
  const [tags, setTags] = useState('');
  const media = found.data?.media;
  useEffect(() => {
    if (media) {
      setName(media.name);
      setTags(media.tags.join(', '));
    }
  }, [media]);

  if (found.fetching && !found.data) return <Loading what="the media" />;
  if (found.error || !media) return <ErrorNote error={found.error} />;
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const result = await update({ id: mediaId, input: { name, tags: tags.split(',').map((t) => t.trim()).filter(Boolean) } });
    if (result.data) refresh({ requestPolicy: 'network-only' });
  };
  const facts: [string, string | number | null | undefined][] = [
    ['Kind', media.kind?.toLowerCase()],
    ['Content type', media.contentType],
    ['Size', `${media.size} bytes`],
    ['Status', media.status?.toLowerCase()],
    ['SHA-256', media.sha256],
    ['Size (pixels)', media.metadata?.width ? `${media.metadata.width} × ${media.metadata.height}` : null],
    ['Duration', media.metadata?.durationSeconds ? `${media.metadata.durationSeconds.toFixed(2)} s` : null],
    ['Codecs', [media.metadata?.videoCodec, media.metadata?.audioCodec].filter(Boolean).join(', ') || null],
    ['Format', media.metadata?.format],
    ['Uploaded', new Date(media.createdAt).toLocaleString()],
  ];
  return (
    <main>
      <h1>{media.name}</h1>
      <div className="details">
        <Preview kind={media.kind ?? null} url={media.url ?? null} thumbnail={media.thumbnailUrl ?? null} name={media.name} />
      </div>
      {media.failure && <ErrorNote error={{ message: media.failure }} />}
      <dl className="facts">
        {facts
          .filter(([, value]) => value !== null && value !== undefined && value !== '')
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        <div>
          <dt>Made by</dt>
          <dd>
            {media.job ? (
              <a href={`#/jobs/${media.job.id}`}>
                {media.job.deployment?.model.name ?? 'a job'} ({media.job.status?.toLowerCase()})
              </a>
            ) : (
              'an upload'
            )}
          </dd>
        </div>
      </dl>
      <form className="inline" onSubmit={save} aria-label="Name and tags">
        <label>
          Media name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Tags (comma-separated)
          <input value={tags} onChange={(e) => setTags(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={updated.fetching}>
          Save
        </button>
      </form>
      <ErrorNote error={updated.error} />
      {media.url && (
        <p>
          <a href={media.url} download={media.name}>
            Download {media.name}
          </a>
        </p>
      )}
      <OperationPanel document={MediaDetailsDocument} variables={{ id: mediaId }} name="MediaDetails" />
    </main>
  );
}

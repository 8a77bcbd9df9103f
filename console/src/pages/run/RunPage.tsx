// Run a model: a form generated from its argument schema (numbers with their bounds, text,
// choices, and files as a picker of your media that can also upload on the spot), checked in
// the browser with the API's rules; the API's own error is shown when it disagrees.
import { useMemo, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';
import { uploadFile } from '../media/upload';
import { check, readArgs, type ArgSpec } from './args';

const RunModelDocument = graphql(`
  query RunModel($id: ID!) {
    model(id: $id) { id slug name description args machineType expectedRuntimeSeconds result }
    mediaList(first: 100, filter: { status: LIVE }) { nodes { id name kind } }
  }
`);

export const CreateDeploymentDocument = graphql(`
  mutation CreateDeployment($input: CreateDeploymentInput!) {
    createDeployment(input: $input) {
      id
      job { id status queuePosition estimatedStartAt }
    }
  }
`);

export function RunPage({ modelId }: { modelId: string }) {
  const [found, refresh] = useQuery({ query: RunModelDocument, variables: { id: modelId } });
  const [created, deploy] = useMutation(CreateDeploymentDocument);
  const specs = useMemo(() => readArgs(found.data?.model.args), [found.data]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);
  const [applyTags, setApplyTags] = useState(false);
  const raw = (spec: ArgSpec) => values[spec.name] ?? (spec.default === undefined ? '' : String(spec.default));
  const checked = specs.map((spec) => ({ spec, ...check(spec, raw(spec)) }));
  const invalid = checked.filter((c) => c.error);
  const args = Object.fromEntries(checked.filter((c) => c.value !== undefined).map((c) => [c.spec.name, c.value]));
  const model = found.data?.model;
  // A model whose result proposes tags (`face-detect`: `face`) can add them to its input.
  const tagsArg = (model?.result as { tags?: { arg?: string } } | null | undefined)?.tags?.arg;
  const input = { model: model ? (model.slug ?? model.id) : modelId, args, ...(applyTags ? { applyTags } : {}) };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (invalid.length || !model) return;
    const result = await deploy({ input });
    const job = result.data?.createDeployment.job;
    if (job) location.hash = `#/jobs/${job.id}`;
  }

  if (found.fetching && !found.data) return <Loading what="the model" />;
  if (found.error || !model) return <ErrorNote error={found.error ?? { message: 'no such model' }} />;
  return (
    <main>
      <h1>Run {model.name}</h1>
      <p>{model.description}</p>
      <p className="muted">
        Runs on <code>{model.machineType}</code>
        {model.expectedRuntimeSeconds ? `, about ${model.expectedRuntimeSeconds} s` : ''}.
      </p>
      <form onSubmit={submit} noValidate aria-label={`Run ${model.name}`}>
        {checked.map(({ spec, error }) => (
          <Field
            key={spec.name}
            spec={spec}
            value={raw(spec)}
            error={touched || values[spec.name] !== undefined ? error : undefined}
            media={found.data?.mediaList.nodes ?? []}
            onChange={(value) => setValues((all) => ({ ...all, [spec.name]: value }))}
            onUploaded={() => refresh({ requestPolicy: 'network-only' })}
          />
        ))}
        {tagsArg && (
          <label className="check">
            <input type="checkbox" checked={applyTags} onChange={(e) => setApplyTags(e.target.checked)} /> Add the tags the result
            proposes to <code>{tagsArg}</code>
          </label>
        )}
        <ErrorNote error={created.error} />
        <button type="submit" className="primary" disabled={created.fetching}>
          {created.fetching ? 'Queuing…' : 'Run'}
        </button>
      </form>
      <OperationPanel document={CreateDeploymentDocument} variables={{ input }} name="CreateDeployment" />
    </main>
  );
}

function Field({ spec, value, error, media, onChange, onUploaded }: {
  spec: ArgSpec;
  value: string;
  error?: string;
  media: { id: string; name: string; kind?: string | null }[];
  onChange: (value: string) => void;
  onUploaded: () => void;
}) {
  const client = useClient();
  const [uploading, setUploading] = useState<string | null>(null);
  const id = `arg-${spec.name}`;
  const hint = [spec.description, spec.min !== undefined ? `min ${spec.min}` : '', spec.max !== undefined ? `max ${spec.max}` : '', spec.optional ? 'optional' : '']
    .filter(Boolean)
    .join(' · ');
  const described = `${id}-hint${error ? ` ${id}-error` : ''}`;
  let input;
  if (spec.type === 'file') {
    const usable = media.filter((m) => !spec.kinds || !m.kind || spec.kinds.includes(m.kind.toLowerCase()));
    input = (
      <>
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={described} aria-invalid={!!error}>
          <option value="">Choose a media…</option>
          {usable.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
        <label className="button small">
          {uploading ?? 'Upload a file'}
          <input
            type="file"
            className="visually-hidden"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              setUploading('Uploading…');
              try {
                const mediaId = await uploadFile(client, file, [], (share) => setUploading(`Uploading ${Math.round(share * 100)}%`));
                onUploaded();
                onChange(mediaId);
                setUploading(null);
              } catch (err) {
                setUploading(`Upload failed: ${err instanceof Error ? err.message : String(err)}`);
              }
            }}
          />
        </label>
      </>
    );
  } else if (spec.type === 'enum') {
    input = (
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-describedby={described}>
        {spec.optional ? null : <option value="">Choose…</option>}
        {spec.choices?.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    );
  } else if (spec.type === 'bool') {
    input = <input id={id} type="checkbox" checked={value === 'true'} onChange={(e) => onChange(String(e.target.checked))} aria-describedby={described} />;
  } else {
    const numeric = spec.type === 'int' || spec.type === 'number' || spec.type === 'float';
    input = (
      <input
        id={id}
        type={numeric ? 'number' : 'text'}
        inputMode={numeric ? 'decimal' : undefined}
        step={spec.type === 'int' ? 1 : 'any'}
        min={spec.min}
        max={spec.max}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={described}
        aria-invalid={!!error}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{spec.name}</label>
      {input}
      <small id={`${id}-hint`}>{hint || spec.type}</small>
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

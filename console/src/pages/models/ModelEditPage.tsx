// Create or edit a model: what it runs (container, command with `{arg}` placeholders), where
// (machine type), its typed argument schema (the run form is generated from it), its outputs,
// and, when editing, its versions (each change of what runs makes a new one).
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';

const EditModelDocument = graphql(`
  query EditModel($id: ID!) {
    model(id: $id) {
      id slug name description tags container command machineType timeoutSeconds args editable
      outputs { pattern contentType }
      versions(first: 20) { nodes { id version command machineType createdAt } }
    }
  }
`);

const MachineTypesDocument = graphql(`
  query MachineTypes {
    cluster { machineTypes { name capacity } }
  }
`);

export const CreateModelDocument = graphql(`
  mutation CreateModel($input: CreateModelInput!) {
    createModel(input: $input) { id slug name }
  }
`);

const UpdateModelDocument = graphql(`
  mutation UpdateModel($id: ID!, $input: UpdateModelInput!) {
    updateModel(id: $id, input: $input) { id name latestVersion { version } }
  }
`);

const TYPES = ['file', 'string', 'int', 'number', 'bool', 'enum'] as const;

interface ArgRow {
  name: string;
  type: (typeof TYPES)[number];
  min: string;
  max: string;
  default: string;
  choices: string;
  optional: boolean;
  description: string;
}

interface Draft {
  name: string;
  description: string;
  tags: string;
  container: string;
  command: string;
  machineType: string;
  timeoutSeconds: string;
  args: ArgRow[];
  outputs: { pattern: string; contentType: string }[];
}

const EMPTY: Draft = { name: '', description: '', tags: '', container: '', command: '', machineType: 'cpu', timeoutSeconds: '3600', args: [], outputs: [] };

function fromModel(model: { name: string; description: string; tags: string[]; container: string; command: string; machineType: string; timeoutSeconds: number; args: unknown; outputs: { pattern: string; contentType: string }[] }): Draft {
  const args = Object.entries((model.args ?? {}) as Record<string, Record<string, unknown>>).map(([name, a]) => ({
    name,
    type: (TYPES as readonly string[]).includes(String(a.type)) ? (a.type as ArgRow['type']) : 'string',
    min: a.min === undefined ? '' : String(a.min),
    max: a.max === undefined ? '' : String(a.max),
    default: a.default === undefined ? '' : String(a.default),
    choices: Array.isArray(a.choices) ? a.choices.join(', ') : '',
    optional: a.optional === true,
    description: typeof a.description === 'string' ? a.description : '',
  }));
  return { ...model, tags: model.tags.join(', '), timeoutSeconds: String(model.timeoutSeconds), args, outputs: model.outputs.map(({ pattern, contentType }) => ({ pattern, contentType })) };
}

function argsJson(rows: ArgRow[]): Record<string, unknown> {
  const numeric = (t: string) => t === 'int' || t === 'number';
  return Object.fromEntries(
    rows.map((r) => {
      const spec: Record<string, unknown> = { type: r.type };
      if (numeric(r.type) && r.min !== '') spec.min = Number(r.min);
      if (numeric(r.type) && r.max !== '') spec.max = Number(r.max);
      if (r.default !== '') spec.default = numeric(r.type) ? Number(r.default) : r.type === 'bool' ? r.default === 'true' : r.default;
      if (r.type === 'enum') spec.choices = r.choices.split(',').map((c) => c.trim()).filter(Boolean);
      if (r.optional) spec.optional = true;
      if (r.description) spec.description = r.description;
      return [r.name, spec];
    }),
  );
}

export function ModelEditPage({ modelId }: { modelId?: string }) {
  const [existing, refreshExisting] = useQuery({ query: EditModelDocument, variables: { id: modelId ?? '' }, pause: !modelId });
  const [machines] = useQuery({ query: MachineTypesDocument });
  const [created, create] = useMutation(CreateModelDocument);
  const [updated, update] = useMutation(UpdateModelDocument);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    if (existing.data) setDraft(fromModel(existing.data.model));
  }, [existing.data]);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const setArg = (i: number, change: Partial<ArgRow>) => set({ args: draft.args.map((a, j) => (j === i ? { ...a, ...change } : a)) });
  const input = {
    name: draft.name,
    description: draft.description,
    tags: draft.tags.split(',').map((t) => t.trim()).filter(Boolean),
    container: draft.container,
    command: draft.command,
    machineType: draft.machineType,
    timeoutSeconds: Number(draft.timeoutSeconds) || undefined,
    args: argsJson(draft.args),
    outputs: draft.outputs.filter((o) => o.pattern),
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    if (modelId) {
      const result = await update({ id: modelId, input });
      if (result.data) {
        setSaved(`Saved: version ${result.data.updateModel.latestVersion.version}.`);
        refreshExisting({ requestPolicy: 'network-only' });
      }
    } else {
      const result = await create({ input });
      if (result.data) location.hash = `#/models/${encodeURIComponent(result.data.createModel.id)}`;
    }
  }

  if (modelId && existing.fetching && !existing.data) return <Loading what="the model" />;
  if (existing.error) return <ErrorNote error={existing.error} />;
  if (existing.data && !existing.data.model.editable) {
    return (
      <main>
        <h1>{existing.data.model.name}</h1>
        <p>This model is not yours to edit. <a href={`#/run/${encodeURIComponent(existing.data.model.slug ?? existing.data.model.id)}`}>Run it</a>.</p>
      </main>
    );
  }
  const machineTypes = machines.data?.cluster.machineTypes.map((m) => m.name) ?? ['cpu'];
  return (
    <main>
      <h1>{modelId ? `Edit ${existing.data?.model.name ?? ''}` : 'New model'}</h1>
      <form onSubmit={submit} aria-label={modelId ? 'Edit model' : 'New model'}>
        <label>
          Model name
          <input value={draft.name} onChange={(e) => set({ name: e.target.value })} required />
        </label>
        <label>
          Description
          <input value={draft.description} onChange={(e) => set({ description: e.target.value })} />
        </label>
        <label>
          Tags (comma-separated)
          <input value={draft.tags} onChange={(e) => set({ tags: e.target.value })} />
        </label>
        <label>
          Container image
          <input value={draft.container} onChange={(e) => set({ container: e.target.value })} required />
        </label>
        <label>
          Command (arguments as {'{name}'})
          <input value={draft.command} onChange={(e) => set({ command: e.target.value })} required />
        </label>
        <label>
          Machine type
          <select value={draft.machineType} onChange={(e) => set({ machineType: e.target.value })}>
            {[...new Set([...machineTypes, draft.machineType])].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          Timeout (seconds)
          <input type="number" min={1} max={86400} value={draft.timeoutSeconds} onChange={(e) => set({ timeoutSeconds: e.target.value })} />
        </label>
        <fieldset>
          <legend>Arguments</legend>
          {draft.args.length === 0 && <p className="empty">No arguments.</p>}
          {draft.args.map((a, i) => (
            <div className="arg-row" key={i} role="group" aria-label={`Argument ${i + 1}`}>
              <label>
                Argument name
                <input value={a.name} onChange={(e) => setArg(i, { name: e.target.value })} required pattern="[A-Za-z_][A-Za-z0-9_]*" />
              </label>
              <label>
                Type
                <select value={a.type} onChange={(e) => setArg(i, { type: e.target.value as ArgRow['type'] })}>
                  {TYPES.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              </label>
              {(a.type === 'int' || a.type === 'number') && (
                <>
                  <label>
                    Min
                    <input type="number" value={a.min} onChange={(e) => setArg(i, { min: e.target.value })} />
                  </label>
                  <label>
                    Max
                    <input type="number" value={a.max} onChange={(e) => setArg(i, { max: e.target.value })} />
                  </label>
                </>
              )}
              {a.type === 'enum' && (
                <label>
                  Choices (comma-separated)
                  <input value={a.choices} onChange={(e) => setArg(i, { choices: e.target.value })} />
                </label>
              )}
              <label>
                Default
                <input value={a.default} onChange={(e) => setArg(i, { default: e.target.value })} />
              </label>
              <label className="check">
                <input type="checkbox" checked={a.optional} onChange={(e) => setArg(i, { optional: e.target.checked })} /> Optional
              </label>
              <button type="button" onClick={() => set({ args: draft.args.filter((_, j) => j !== i) })}>
                Remove argument {a.name || i + 1}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set({ args: [...draft.args, { name: '', type: 'string', min: '', max: '', default: '', choices: '', optional: false, description: '' }] })}>
            Add argument
          </button>
        </fieldset>
        <fieldset>
          <legend>Outputs</legend>
          {draft.outputs.map((o, i) => (
            <div className="arg-row" key={i} role="group" aria-label={`Output ${i + 1}`}>
              <label>
                File pattern
                <input value={o.pattern} onChange={(e) => set({ outputs: draft.outputs.map((x, j) => (j === i ? { ...x, pattern: e.target.value } : x)) })} />
              </label>
              <label>
                Content type
                <input value={o.contentType} onChange={(e) => set({ outputs: draft.outputs.map((x, j) => (j === i ? { ...x, contentType: e.target.value } : x)) })} />
              </label>
            </div>
          ))}
          <button type="button" onClick={() => set({ outputs: [...draft.outputs, { pattern: '', contentType: 'application/octet-stream' }] })}>
            Add output
          </button>
        </fieldset>
        <ErrorNote error={created.error ?? updated.error} />
        {saved && (
          <p className="ok" role="status">
            {saved}
          </p>
        )}
        <button type="submit" className="primary" disabled={created.fetching || updated.fetching}>
          {modelId ? 'Save model' : 'Create model'}
        </button>
      </form>
      {existing.data && (
        <>
          <p>
            <a href={`#/run/${encodeURIComponent(existing.data.model.slug ?? existing.data.model.id)}`}>Run {existing.data.model.name}</a>
          </p>
          <h2>Versions</h2>
          <table tabIndex={0}>
            <caption className="visually-hidden">Versions</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Command</th>
                <th scope="col">Machine type</th>
                <th scope="col">Made</th>
              </tr>
            </thead>
            <tbody>
              {existing.data.model.versions.nodes.map((v) => (
                <tr key={v.id}>
                  <td>{v.version}</td>
                  <td>
                    <code>{v.command}</code>
                  </td>
                  <td>{v.machineType}</td>
                  <td>{new Date(v.createdAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <OperationPanel document={modelId ? UpdateModelDocument : CreateModelDocument} variables={modelId ? { id: modelId, input } : { input }} name={modelId ? 'UpdateModel' : 'CreateModel'} />
    </main>
  );
}

// Models: the built-in catalogue and your own, searchable; each runs from a generated form.
import { useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { Empty, ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';

export const ModelsDocument = graphql(`
  query Models($filter: ModelFilter, $first: Int) {
    models(filter: $filter, first: $first) {
      totalCount
      nodes { id slug name description tags builtin editable machineType classification }
    }
  }
`);

export function ModelsPage() {
  const [search, setSearch] = useState('');
  const [mine, setMine] = useState(false);
  const variables = { first: 100, filter: { ...(search ? { search } : {}), ...(mine ? { mine } : {}) } };
  const [models] = useQuery({ query: ModelsDocument, variables });
  return (
    <main>
      <h1>Models</h1>
      <p>
        <a className="button" href="#/models/new">
          New model
        </a>
      </p>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Only mine
        </label>
      </form>
      {models.fetching && !models.data && <Loading what="models" />}
      <ErrorNote error={models.error} />
      {models.data && models.data.models.nodes.length === 0 && <Empty>No models match.</Empty>}
      <ul className="cards" aria-label="Models">
        {models.data?.models.nodes.map((m) => (
          <li key={m.id} className="card">
            <h2>{m.name}</h2>
            <p>{m.description}</p>
            <p className="muted">
              {m.builtin ? 'catalogue' : 'yours'} · {m.machineType} · {m.classification.toLowerCase()}
            </p>
            <p className="tags">{m.tags.map((t) => <span key={t}>{t}</span>)}</p>
            <p className="actions">
              <a className="button primary" href={`#/run/${encodeURIComponent(m.slug ?? m.id)}`}>
                Run {m.name}
              </a>
              {m.editable && (
                <a className="button" href={`#/models/${encodeURIComponent(m.id)}`}>
                  Edit {m.name}
                </a>
              )}
            </p>
          </li>
        ))}
      </ul>
      <OperationPanel document={ModelsDocument} variables={variables} name="Models" />
    </main>
  );
}

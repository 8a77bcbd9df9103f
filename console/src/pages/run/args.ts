// A model's argument schema, read from its `args` JSON, and the same checks the API applies
// before it queues a job (type, min/max, required, enum choices). The API stays the judge:
// its own error is shown when it disagrees.

export interface ArgSpec {
  name: string;
  type: 'file' | 'string' | 'number' | 'int' | 'float' | 'bool' | 'enum';
  min?: number;
  max?: number;
  choices?: string[];
  optional: boolean;
  default?: unknown;
  description?: string;
  kinds?: string[];
}

export function readArgs(args: unknown): ArgSpec[] {
  if (!args || typeof args !== 'object') return [];
  return Object.entries(args as Record<string, Record<string, unknown>>).map(([name, spec]) => ({
    name,
    type: (String(spec.type ?? 'string').toLowerCase() as ArgSpec['type']),
    min: typeof spec.min === 'number' ? spec.min : undefined,
    max: typeof spec.max === 'number' ? spec.max : undefined,
    choices: Array.isArray(spec.choices) ? spec.choices.map(String) : undefined,
    optional: spec.optional === true || spec.default !== undefined,
    default: spec.default,
    description: typeof spec.description === 'string' ? spec.description : undefined,
    kinds: Array.isArray(spec.kinds) ? spec.kinds.map(String) : undefined,
  }));
}

/** The value to send for `raw` (what the form holds), or why it is refused. */
export function check(spec: ArgSpec, raw: string): { value?: unknown; error?: string } {
  if (raw.trim() === '') return spec.optional ? {} : { error: `${spec.name} is required` };
  switch (spec.type) {
    case 'int':
    case 'number':
    case 'float': {
      const value = Number(raw);
      if (!Number.isFinite(value)) return { error: `${spec.name} must be a number` };
      if (spec.type === 'int' && !Number.isInteger(value)) return { error: `${spec.name} must be a whole number` };
      if (spec.min !== undefined && value < spec.min) return { error: `${spec.name} must be at least ${spec.min}` };
      if (spec.max !== undefined && value > spec.max) return { error: `${spec.name} must be at most ${spec.max}` };
      return { value };
    }
    case 'bool':
      return { value: raw === 'true' };
    case 'enum':
      return spec.choices && !spec.choices.includes(raw) ? { error: `${spec.name} must be one of ${spec.choices.join(', ')}` } : { value: raw };
    default:
      return { value: raw };
  }
}

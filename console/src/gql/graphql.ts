/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * Implement the DateTime<Utc> scalar
   *
   * The input/output is a string in RFC3339 format.
   */
  DateTime: { input: string; output: string; }
  /** A scalar that can represent any JSON value. */
  JSON: { input: unknown; output: unknown; }
  /**
   * A file sent as a part of a `multipart/form-data` request, following the GraphQL multipart
   * request spec (`operations`, `map`, then the files).
   */
  Upload: { input: File; output: File; }
};

/** The kind of account a credential acts as. */
export type AccountKind =
  /** A team (seed 000's organisation). */
  | 'TEAM'
  /** A person. */
  | 'USER';

export type ActingAccount = {
  __typename?: 'ActingAccount';
  /** The account's id (a user id or a team id). */
  id: Scalars['ID']['output'];
  /** User or team. */
  kind: AccountKind;
  /** What the credential may do. */
  scopes: Array<Scope>;
  /** The team, when the credential acts as one. */
  team?: Maybe<Team>;
  /** The person behind the credential (absent for team API keys). */
  user?: Maybe<User>;
};

/** A worker agent: a host that works for the platform over HTTPS with a token of its own. */
export type Agent = {
  __typename?: 'Agent';
  /** When its token was issued. */
  createdAt: Scalars['DateTime']['output'];
  /** Its last call. */
  lastSeenAt?: Maybe<Scalars['DateTime']['output']>;
  /** The machine types its token may claim. */
  machineTypes: Array<Scalars['String']['output']>;
  /** Its name (`rack-7`). */
  name: Scalars['String']['output'];
  /** When it was revoked (its calls are refused since). */
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Runs its live processes have now. */
  runningJobs: Scalars['Int']['output'];
  /** Where it runs, as the operator described it. */
  site?: Maybe<Scalars['String']['output']>;
  /** Slots its live processes offer. */
  slots: Scalars['Int']['output'];
  /** The version it reported. */
  version?: Maybe<Scalars['String']['output']>;
  /** Its live processes. */
  workers: Scalars['Int']['output'];
};

export type ApiKey = {
  __typename?: 'ApiKey';
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** When it stops working, if ever. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** The key's id. */
  id: Scalars['ID']['output'];
  /** When it was last used. */
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Its label. */
  name: Scalars['String']['output'];
  /** The account it acts as. */
  ownerId: Scalars['ID']['output'];
  /** User or team. */
  ownerKind: AccountKind;
  /** The first characters of the secret, to recognise it. */
  prefix: Scalars['String']['output'];
  /** When it was revoked; revoked keys are refused. */
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  /** What it may do. */
  scopes: Array<Scope>;
};

export type ApiKeyConnection = {
  __typename?: 'ApiKeyConnection';
  /** A list of edges. */
  edges: Array<ApiKeyEdge>;
  /** A list of nodes. */
  nodes: Array<ApiKey>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ApiKeyEdge = {
  __typename?: 'ApiKeyEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: ApiKey;
};

/** A session token and whom it acts as. */
export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** The account the token acts as. */
  accountId: Scalars['ID']['output'];
  /** User or team. */
  accountKind: AccountKind;
  /** When the token expires. */
  expiresAt: Scalars['DateTime']['output'];
  /** The identity provider's ID token, after `completeOidcLogin`. */
  idToken?: Maybe<Scalars['String']['output']>;
  /**
   * Exchange it with `refreshSession` for a new session before this one expires (it
   * rotates: each use gives a new one; presenting a used one again revokes the sign-in).
   * Issued with sign-ups and log-ins, not with team tokens.
   */
  refreshToken?: Maybe<Scalars['String']['output']>;
  /** Send as `Authorization: Bearer <token>`. */
  token: Scalars['String']['output'];
  /** Always `Bearer`. */
  tokenType: Scalars['String']['output'];
  /** The person the token belongs to. */
  user: User;
};

export type Budget = {
  __typename?: 'Budget';
  /**
   * Hard: new deployments are refused once usage (plus their estimate) would pass the
   * limit. Soft: a warning and a `budget_exceeded` event only.
   */
  hard: Scalars['Boolean']['output'];
  /** The monthly limit. */
  monthlyLimit: Money;
  /** When it was last set. */
  updatedAt: Scalars['DateTime']['output'];
};

export type BudgetStatus = {
  __typename?: 'BudgetStatus';
  /** Whether the total has reached the limit. */
  exceeded: Scalars['Boolean']['output'];
  /** Whether reaching it refuses new deployments. */
  hard: Scalars['Boolean']['output'];
  /** The monthly limit. */
  monthlyLimit: Money;
  /** What is left (zero when reached). */
  remaining: Money;
  /** The period's total so far. */
  spent: Money;
};

export type CallbackAttempt = {
  __typename?: 'CallbackAttempt';
  /** When it was made. */
  at: Scalars['DateTime']['output'];
  /** How long it took, in milliseconds. */
  durationMs: Scalars['Int']['output'];
  /** Why it failed, when it did. */
  error?: Maybe<Scalars['String']['output']>;
  /** `job.started` or `job.finished`. */
  event: Scalars['String']['output'];
  /** The receiver's HTTP status, when it answered. */
  statusCode?: Maybe<Scalars['Int']['output']>;
  /** Whether the receiver accepted it (2xx). */
  succeeded: Scalars['Boolean']['output'];
  /** The URL it went to. */
  url: Scalars['String']['output'];
  /** `webhook-id` of the delivery (the same for its retries). */
  webhookId: Scalars['String']['output'];
};

/** Whether a catalogue model can run on the live workers. */
export type CatalogueAvailability = {
  __typename?: 'CatalogueAvailability';
  /** What an operator does to make it runnable, when it is not. */
  hint?: Maybe<Scalars['String']['output']>;
  /** Its machine type. */
  machineType: Scalars['String']['output'];
  /** Whether a live worker can run it. */
  runnable: Scalars['Boolean']['output'];
  /** The runtime it needs, if any. */
  runtime?: Maybe<Scalars['String']['output']>;
  /** The model's slug (`face-detect`). */
  slug: Scalars['String']['output'];
};

/** The cluster as the workers see it. */
export type Cluster = {
  __typename?: 'Cluster';
  /**
   * Worker agents operators issued tokens to: live ones, then those revoked in the last
   * hour (admin scope only; empty otherwise).
   */
  agents: Array<Agent>;
  /**
   * Whether each built-in catalogue model can run now: a live worker offers its machine
   * type with the runtime it needs.
   */
  catalogue: Array<CatalogueAvailability>;
  /** Drivers of the live workers (`local`, `kubernetes`). */
  drivers: Array<Scalars['String']['output']>;
  /** Machine types served by live workers or wanted by queued jobs. */
  machineTypes: Array<MachineType>;
  /** Model runtimes installed on live workers (`vision`). */
  runtimes: Array<Scalars['String']['output']>;
  /**
   * How the live workers isolate tenant programs (`bubblewrap (...)`, `pod (...)`, or
   * `none (UNSANDBOXED ...)` when an operator turned the sandbox off).
   */
  sandboxes: Array<Scalars['String']['output']>;
  /** Workers seen lately (admin scope only; empty otherwise). */
  workers: Array<Worker>;
};

/** A new API key. */
export type CreateApiKeyInput = {
  /** When the key stops working; omit for no expiry. */
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** A label to recognise the key by. */
  name: Scalars['String']['input'];
  /** What the key may do; defaults to read and write. */
  scopes?: InputMaybe<Array<Scope>>;
  /** Create the key for this team (you must be an owner or admin); omit for yourself. */
  teamId?: InputMaybe<Scalars['ID']['input']>;
};

/** What to run. */
export type CreateDeploymentInput = {
  /**
   * Add the tags the model's result proposes (`face-detect`: `face`) to the input media
   * they describe, with lineage (`Media.tagLineage`). Only for models whose definition
   * declares `result.tags`; BAD_USER_INPUT otherwise.
   */
  applyTags?: InputMaybe<Scalars['Boolean']['input']>;
  /**
   * Argument values by name, as the model's `args` declare them; file arguments take
   * media ids of the acting account.
   */
  args?: InputMaybe<Scalars['JSON']['input']>;
  /** Also POST when the job starts. */
  callbackOnStart?: InputMaybe<Scalars['Boolean']['input']>;
  /** Where to POST the job when it finishes (signed with `webhookSecret`). */
  callbackUrl?: InputMaybe<Scalars['String']['input']>;
  /** Cancel the job when it has not finished in this long: `90s`, `5m`, `1h30m`. */
  cancelAfter?: InputMaybe<Scalars['String']['input']>;
  /** The model's id or catalogue slug (`audio-extract`). */
  model: Scalars['String']['input'];
  /** Display name (the model when absent). */
  name?: InputMaybe<Scalars['String']['input']>;
  /** The version number to pin (the latest when absent). */
  version?: InputMaybe<Scalars['Int']['input']>;
};

/** A new model (seed 000's `POST /api/v1/models` body). */
export type CreateModelInput = {
  /**
   * Argument schema: name to `{type, optional, min, max, default, example, description,
   * format, choices, kinds, tags}`.
   */
  args?: InputMaybe<Scalars['JSON']['input']>;
  /** Command template: `{args}` expands every argument's `format`, `{name}` one value. */
  command: Scalars['String']['input'];
  /** Container image the cluster runs. */
  container: Scalars['String']['input'];
  /** What it does (at most 4000 characters). */
  description?: InputMaybe<Scalars['String']['input']>;
  /** URLs of example results. */
  exampleOutputs?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Typical runtime in seconds (sets the classification until jobs have run). */
  expectedRuntimeSeconds?: InputMaybe<Scalars['Int']['input']>;
  /** Leave out of listings (still readable by id). Default false. */
  hidden?: InputMaybe<Scalars['Boolean']['input']>;
  /** Icon URL or file name. */
  icon?: InputMaybe<Scalars['String']['input']>;
  /**
   * A UUID of your choosing; generated when absent. Ids are per account: CONFLICT only when
   * one of your models or a public model has it.
   */
  id?: InputMaybe<Scalars['ID']['input']>;
  /**
   * EXEC or HTTP; inferred from the command when absent (a URL or `host:port/...` first
   * means HTTP).
   */
  invocation?: InputMaybe<Invocation>;
  /** Resource limits tighter than the machine type's. */
  limits?: InputMaybe<ModelLimitsInput>;
  /** Machines per run (1 to 64, default 1). */
  machineCount?: InputMaybe<Scalars['Int']['input']>;
  /** Machine type (default from config, `cpu`). */
  machineType?: InputMaybe<Scalars['String']['input']>;
  /** Display name (1 to 100 characters). */
  name: Scalars['String']['input'];
  /**
   * Runs need network egress (never to loopback or private addresses). Default false:
   * a run has no network at all.
   */
  network?: InputMaybe<Scalars['Boolean']['input']>;
  /** Files a run produces. */
  outputs?: InputMaybe<Array<ModelOutputInput>>;
  /** Readable by every account. Default false. */
  public?: InputMaybe<Scalars['Boolean']['input']>;
  /**
   * The structured result the program writes to `result.json`:
   * `{"schema": <JSON Schema>, "tags": {"field": "tags", "arg": "image"}}` (`tags`
   * optional: lets deployments add the result's tags to that input media).
   */
  result?: InputMaybe<Scalars['JSON']['input']>;
  /**
   * A runtime workers must have installed (`vision`): deploying fails at once with
   * RUNTIME_MISSING when no live worker has it.
   */
  runtime?: InputMaybe<Scalars['String']['input']>;
  /** Labels (trimmed, lower-cased, at most 32). */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Longest run in seconds (default 3600, at most 86400). */
  timeoutSeconds?: InputMaybe<Scalars['Int']['input']>;
};

/** A presigned upload to create. */
export type CreateUploadInput = {
  /** Content type (`image/jpeg`, `video/mp4`, `audio/mpeg`, ...). */
  contentType: Scalars['String']['input'];
  /** Original file name. */
  filename: Scalars['String']['input'];
  /** Upload in parts even below the multipart threshold (files above it always are). */
  multipart?: InputMaybe<Scalars['Boolean']['input']>;
  /** How a multipart upload's parts are checked as they arrive (default SHA256). */
  partChecksum?: InputMaybe<PartChecksumAlgorithm>;
  /**
   * Bytes per part of a multipart upload, 5 MiB to 5 GiB (default from the server's
   * configuration; raised when the file would need more than 10,000 parts).
   */
  partSize?: InputMaybe<Scalars['Float']['input']>;
  /**
   * Parts of a multipart upload to have URLs for now, each with its checksum (more with
   * `uploadPartUrls`).
   */
  parts?: InputMaybe<Array<UploadPartInput>>;
  /** SHA-256 of the bytes, hex. */
  sha256: Scalars['String']['input'];
  /** Exact size in bytes. */
  size: Scalars['Float']['input'];
  /** Tags. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  /** The stored key. */
  apiKey: ApiKey;
  /**
   * The secret: send it as `x-mediamagic-key`. It cannot be shown again: null when an
   * idempotent retry returns a key made earlier (only its hash is kept).
   */
  secret?: Maybe<Scalars['String']['output']>;
};

/** The result of `deleteModel`. */
export type DeleteModelPayload = {
  __typename?: 'DeleteModelPayload';
  /**
   * True when jobs ran the model: it is hidden for good and stays readable by id for
   * their history; false when it was removed.
   */
  hidden: Scalars['Boolean']['output'];
  /** The model's id. */
  id: Scalars['ID']['output'];
};

export type Deployment = {
  __typename?: 'Deployment';
  /** Whether the result's proposed tags are added to the input media. */
  applyTags: Scalars['Boolean']['output'];
  /** The validated arguments (defaults filled in). */
  args: Scalars['JSON']['output'];
  /** Whether the job is also POSTed when it starts. */
  callbackOnStart: Scalars['Boolean']['output'];
  /** Where the job is POSTed when it finishes. */
  callbackUrl?: Maybe<Scalars['String']['output']>;
  /** What its jobs cost so far. */
  cost: Money;
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /**
   * What one run is expected to cost at today's price, from the model's observed median
   * runtime (else its declared expected runtime); null when neither is known.
   */
  estimatedCost?: Maybe<Money>;
  /** The deployment's id. */
  id: Scalars['ID']['output'];
  /** The idempotency key it was created with. */
  idempotencyKey?: Maybe<Scalars['String']['output']>;
  /** Its job. */
  job?: Maybe<Job>;
  /** The model. */
  model: Model;
  /** The pinned model version. */
  modelVersion: ModelVersion;
  /** Display name. */
  name: Scalars['String']['output'];
  /** The pinned version number. */
  version: Scalars['Int']['output'];
};

export type DeploymentConnection = {
  __typename?: 'DeploymentConnection';
  /** A list of edges. */
  edges: Array<DeploymentEdge>;
  /** A list of nodes. */
  nodes: Array<Deployment>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type DeploymentEdge = {
  __typename?: 'DeploymentEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Deployment;
};

/** One delivery attempt. */
export type EventInvocation = {
  __typename?: 'EventInvocation';
  /** 1 for the first delivery. */
  attempt: Scalars['Int']['output'];
  /** How long the handler ran. */
  durationMs: Scalars['Int']['output'];
  /** The failure, if any. */
  error?: Maybe<Scalars['String']['output']>;
  /** `ok`, `error` or `timeout`. */
  status: Scalars['String']['output'];
};

export type EventRecord = {
  __typename?: 'EventRecord';
  /** Capture time. */
  createdAt: Scalars['DateTime']['output'];
  /** Event id. */
  id: Scalars['ID']['output'];
  /** Every delivery attempt. */
  invocations: Array<EventInvocation>;
  /** The last failure. */
  lastError?: Maybe<Scalars['String']['output']>;
  /** Hasura's `event` object (op, data, session variables, trace context). */
  payload: Scalars['JSON']['output'];
  /** Position in capture order (use as `after` to page). */
  seq: Scalars['String']['output'];
  /** `pending`, `processing`, `delivered` or `dead`. */
  status: Scalars['String']['output'];
  /** `schema.table` that changed. */
  table: Scalars['String']['output'];
  /** Deliveries so far. */
  tries: Scalars['Int']['output'];
  /** Trigger name. */
  trigger: Scalars['String']['output'];
};

/** An HTTP header to send. */
export type Header = {
  __typename?: 'Header';
  /** Header name. */
  name: Scalars['String']['output'];
  /** Header value. */
  value: Scalars['String']['output'];
};

export type Invite = {
  __typename?: 'Invite';
  /** When it was made. */
  createdAt: Scalars['DateTime']['output'];
  /** Invited email. */
  email: Scalars['String']['output'];
  /** When it expires. */
  expiresAt: Scalars['DateTime']['output'];
  /** The invite's id (for `revokeInvite`). */
  id: Scalars['ID']['output'];
  /** Who invited them. */
  invitedBy?: Maybe<User>;
  /** Role on acceptance. */
  role: Role;
};

export type InvitePayload = {
  __typename?: 'InvitePayload';
  /** Invited email. */
  email: Scalars['String']['output'];
  /** When the invite expires. */
  expiresAt: Scalars['DateTime']['output'];
  /** The invite's id. */
  id: Scalars['ID']['output'];
  /** Role on acceptance. */
  role: Role;
  /**
   * Hand this to the invitee; they pass it to `acceptInvite`. Shown once: null when an
   * idempotent retry returns an invite made earlier.
   */
  token?: Maybe<Scalars['String']['output']>;
};

/** How a model is started. */
export type Invocation =
  /** A command line run as a process (arguments as a vector, never through a shell). */
  | 'EXEC'
  /** A multipart form POST to a model server (`127.0.0.1:8013/styleclip --form ...`). */
  | 'HTTP';

export type Invoice = {
  __typename?: 'Invoice';
  /** The free allowance applied. */
  allowance: Money;
  /** When the period was closed. */
  closedAt: Scalars['DateTime']['output'];
  /** Its id. */
  id: Scalars['ID']['output'];
  /** Line items: one per machine type, and storage. */
  lines: Array<InvoiceLine>;
  /** The period, `YYYY-MM`. */
  period: Scalars['String']['output'];
  /** The first instant after the period. */
  periodEnd: Scalars['DateTime']['output'];
  /** The period's first instant. */
  periodStart: Scalars['DateTime']['output'];
  /** Machine types plus storage. */
  subtotal: Money;
  /** What is owed. */
  total: Money;
};

export type InvoiceConnection = {
  __typename?: 'InvoiceConnection';
  /** A list of edges. */
  edges: Array<InvoiceEdge>;
  /** A list of nodes. */
  nodes: Array<Invoice>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type InvoiceEdge = {
  __typename?: 'InvoiceEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Invoice;
};

/** One line of an invoice. */
export type InvoiceLine = {
  __typename?: 'InvoiceLine';
  /** What it cost. */
  amount: Money;
  /** For people: what and how much. */
  description: Scalars['String']['output'];
  /** `machine` or `storage`. */
  kind: Scalars['String']['output'];
  /** The machine type (machine lines). */
  machineType?: Maybe<Scalars['String']['output']>;
  /** 1, 2, … in order. */
  position: Scalars['Int']['output'];
};

/** A job (owned by the jobs subgraph). */
export type Job = {
  __typename?: 'Job';
  /** The number of the latest run (null until it first ran). */
  attempt?: Maybe<Scalars['Int']['output']>;
  /** Runs started so far. */
  attempts: Scalars['Int']['output'];
  /** Every callback delivery attempt, oldest first. */
  callbackAttempts: Array<CallbackAttempt>;
  /** Whether a cancel was requested and the worker is stopping it. */
  cancelRequested: Scalars['Boolean']['output'];
  /**
   * What its runs cost so far (recorded when the job finishes; attempts that failed by
   * the platform's fault are free).
   */
  cost: Money;
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Its deadline (from the deployment's `cancelAfter`). */
  deadline?: Maybe<Scalars['DateTime']['output']>;
  /** The deployment it runs. */
  deployment?: Maybe<Deployment>;
  /** The driver of the latest run. */
  driver?: Maybe<Scalars['String']['output']>;
  /** Why it failed or was cancelled. */
  error?: Maybe<JobError>;
  /**
   * While queued: when it should start, from its queue position, the slots live workers
   * offer for its machine type and the mean run time of that type's recent jobs (a rough
   * estimate: it ignores the time running jobs still need); `null` when no worker offers
   * the type or nothing of it ran lately.
   */
  estimatedStartAt?: Maybe<Scalars['DateTime']['output']>;
  /** When it finished. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The job's id. */
  id: Scalars['ID']['output'];
  /** The job's log (every run), oldest first. */
  logs: JobLogPage;
  /** The machine type it runs on. */
  machineType: Scalars['String']['output'];
  /** The latest progress message. */
  message?: Maybe<Scalars['String']['output']>;
  /** The model version it runs. */
  modelVersion: ModelVersion;
  /** The node of the latest run, once placed. */
  node?: Maybe<Scalars['String']['output']>;
  /** The media it produced (outputs deleted since show status `DELETED` and no URL). */
  outputs: Array<Media>;
  /** Progress of the current run, 0 to 1. */
  progress: Scalars['Float']['output'];
  /**
   * While queued: how many jobs of the same machine type the fair-share claim order takes
   * before it (0: next). Accounts take turns, so a new account's first job is near the
   * front however long another account's backlog is.
   */
  queuePosition?: Maybe<Scalars['Int']['output']>;
  /**
   * The structured result of a succeeded run, as its model's `result` schema declares
   * it (`face-detect`: the faces with boxes and scores); null otherwise.
   */
  result?: Maybe<Scalars['JSON']['output']>;
  /** Every run, oldest first. */
  runs: Array<JobRun>;
  /** When the current run started. */
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  /** Where it is in its life. */
  status?: Maybe<JobStatus>;
};


/** A job (owned by the jobs subgraph). */
export type JobLogsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  limit?: InputMaybe<Scalars['Int']['input']>;
};

export type JobConnection = {
  __typename?: 'JobConnection';
  /** A list of edges. */
  edges: Array<JobEdge>;
  /** A list of nodes. */
  nodes: Array<Job>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type JobEdge = {
  __typename?: 'JobEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Job;
};

/** Why a job failed or was cancelled. */
export type JobError = {
  __typename?: 'JobError';
  /**
   * Stable code: `CANCELLED`, `DEADLINE_EXCEEDED`, `TIMEOUT`, `WORKER_LOST`,
   * `INFRASTRUCTURE`, or the worker's code for a failed program.
   */
  code: Scalars['String']['output'];
  /** What happened, for people. */
  message: Scalars['String']['output'];
};

/** Filters of `jobs`; all given ones apply. */
export type JobFilter = {
  /** Created at or after. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created before. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** Of this deployment. */
  deployment?: InputMaybe<Scalars['ID']['input']>;
  /** Of deployments of this model. */
  model?: InputMaybe<Scalars['ID']['input']>;
  /** In one of these statuses. */
  status?: InputMaybe<Array<JobStatus>>;
};

export type JobLogLine = {
  __typename?: 'JobLogLine';
  /** When it was written. */
  at: Scalars['DateTime']['output'];
  /** The run it came from. */
  attempt: Scalars['Int']['output'];
  /** Resume cursor: pass it as `after` to continue after this line. */
  cursor: Scalars['String']['output'];
  /** The text. */
  line: Scalars['String']['output'];
  /** `stdout`, `stderr` or `system`. */
  stream: Scalars['String']['output'];
};

/** A page of a job's log. */
export type JobLogPage = {
  __typename?: 'JobLogPage';
  /** Pass as `after` for the next page (null when the page is empty). */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether more lines follow this page now. */
  hasMore: Scalars['Boolean']['output'];
  /** The lines, oldest first. */
  lines: Array<JobLogLine>;
};

export type JobRun = {
  __typename?: 'JobRun';
  /** Its number (1 for the first run). */
  attempt: Scalars['Int']['output'];
  /** The driver (`local`, `kubernetes`). */
  driver: Scalars['String']['output'];
  /** When it ended. */
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The machine type. */
  machineType: Scalars['String']['output'];
  /** The node (host or Kubernetes node) it ran on, once placed. */
  node?: Maybe<Scalars['String']['output']>;
  /**
   * `succeeded`, `failed`, `infrastructure`, `cancelled`, `released` (given back when its
   * worker shut down) or `lost` (its worker died); null while it runs.
   */
  outcome?: Maybe<Scalars['String']['output']>;
  /** When it started. */
  startedAt: Scalars['DateTime']['output'];
  /** The worker that ran it. */
  worker: Scalars['String']['output'];
};

/** A job's status. */
export type JobStatus =
  /** Stopped on request or by a deadline (`error` says why). */
  | 'CANCELLED'
  /** Finished with an error (`error` says why). */
  | 'FAILED'
  /** Waiting for a worker; `queuePosition` says how many jobs are ahead. */
  | 'QUEUED'
  /** Running. */
  | 'RUNNING'
  /** Claimed by a worker that is starting it. */
  | 'SCHEDULED'
  /** Finished with outputs. */
  | 'SUCCEEDED';

export type JobUsage = {
  __typename?: 'JobUsage';
  /** What they cost. */
  amount: Money;
  /** Job attempts that ran. */
  attempts: Scalars['Int']['output'];
  /** Machine-seconds (run time × machines), to the millisecond. */
  machineSeconds: Scalars['Float']['output'];
  /** The machine type or model name. */
  name: Scalars['String']['output'];
};

/** Log-in details. */
export type LogInInput = {
  /** Email address. */
  email: Scalars['String']['input'];
  /** Password. */
  password: Scalars['String']['input'];
};

/** A machine type: capacity and load. */
export type MachineType = {
  __typename?: 'MachineType';
  /** Jobs of it scheduled or running. */
  busy: Scalars['Int']['output'];
  /** Slots of the live workers serving it (0: queued jobs of it wait for a worker). */
  capacity: Scalars['Int']['output'];
  /** Its name (`cpu`, `gpu`). */
  name: Scalars['String']['output'];
  /** Jobs of it waiting in the queue. */
  queued: Scalars['Int']['output'];
  /** Live workers serving it. */
  workers: Scalars['Int']['output'];
};

/** Slots of one machine type on a worker. */
export type MachineTypeSlots = {
  __typename?: 'MachineTypeSlots';
  /** The machine type. */
  machineType: Scalars['String']['output'];
  /** Its slots. */
  slots: Scalars['Int']['output'];
};

/** A media file (owned by the media subgraph). */
export type Media = {
  __typename?: 'Media';
  /** Content type. */
  contentType: Scalars['String']['output'];
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Why it failed. */
  failure?: Maybe<Scalars['String']['output']>;
  /** The media's id. */
  id: Scalars['ID']['output'];
  /** The job that produced this media, when a job did (resolved by the jobs subgraph). */
  job?: Maybe<Job>;
  /** The id of the job that produced this media, when a job did. */
  jobId?: Maybe<Scalars['ID']['output']>;
  /** Image, video or audio. */
  kind?: Maybe<MediaKind>;
  /** Metadata, once processed after the media went live. */
  metadata?: Maybe<MediaMetadata>;
  /** Original file name. */
  name: Scalars['String']['output'];
  /** The owning account. */
  ownerId: Scalars['ID']['output'];
  /** Whether the owner is a user or a team. */
  ownerKind?: Maybe<AccountKind>;
  /** SHA-256 of the bytes, lower-case hex. */
  sha256?: Maybe<Scalars['String']['output']>;
  /** Size in bytes (a Float, so sizes past 2 GiB fit). */
  size: Scalars['Float']['output'];
  /** PENDING until verified, then LIVE; FAILED with `failure`; DELETED. */
  status?: Maybe<MediaStatus>;
  /**
   * Which job added which of its tags (a model's result, deployed with `applyTags`);
   * tags added by hand have none, and a tag renamed or removed since loses its source.
   */
  tagLineage: Array<TagLineage>;
  /** Tags (lower-case). */
  tags: Array<Scalars['String']['output']>;
  /** A presigned GET URL of the JPEG thumbnail (images and videos, once processed). */
  thumbnailUrl?: Maybe<Scalars['String']['output']>;
  /** When it last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /**
   * A presigned GET URL of the bytes (LIVE media only), valid `expiresIn` seconds
   * (default 300, at most 86400). Supports HTTP Range.
   */
  url?: Maybe<Scalars['String']['output']>;
};


/** A media file (owned by the media subgraph). */
export type MediaThumbnailUrlArgs = {
  expiresIn?: InputMaybe<Scalars['Int']['input']>;
};


/** A media file (owned by the media subgraph). */
export type MediaUrlArgs = {
  expiresIn?: InputMaybe<Scalars['Int']['input']>;
};

export type MediaConnection = {
  __typename?: 'MediaConnection';
  /** A list of edges. */
  edges: Array<MediaEdge>;
  /** A list of nodes. */
  nodes: Array<Media>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type MediaEdge = {
  __typename?: 'MediaEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Media;
};

/** Which media `mediaList` returns (all given filters apply). */
export type MediaFilter = {
  /** Created at or after. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created before. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** Media carrying none of these tags (seed 000's `excludeTags`). */
  excludeTags?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Of this kind. */
  kind?: InputMaybe<MediaKind>;
  /** Text in the name (case-insensitive). */
  search?: InputMaybe<Scalars['String']['input']>;
  /** In this status (default: all but DELETED). */
  status?: InputMaybe<MediaStatus>;
  /** Media carrying every one of these tags (seed 000's `tags`). */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Image, video or audio; other content is rejected. */
export type MediaKind =
  /** Audio. */
  | 'AUDIO'
  /** A still image. */
  | 'IMAGE'
  /** A video. */
  | 'VIDEO';

/** What ffprobe found in a media file. */
export type MediaMetadata = {
  __typename?: 'MediaMetadata';
  /** Audio codec (`mp3`, `aac`, ...). */
  audioCodec?: Maybe<Scalars['String']['output']>;
  /** Overall bitrate in bits per second. */
  bitrate?: Maybe<Scalars['Int']['output']>;
  /** Duration in seconds (audio, video). */
  durationSeconds?: Maybe<Scalars['Float']['output']>;
  /** Container format as ffprobe names it. */
  format?: Maybe<Scalars['String']['output']>;
  /** Frames per second (videos). */
  frameRate?: Maybe<Scalars['Float']['output']>;
  /** Height in pixels (images, videos). */
  height?: Maybe<Scalars['Int']['output']>;
  /** Video codec (`h264`, `mjpeg` for JPEG images, ...). */
  videoCodec?: Maybe<Scalars['String']['output']>;
  /** Width in pixels (images, videos). */
  width?: Maybe<Scalars['Int']['output']>;
};

/** Where a media is in its life. */
export type MediaStatus =
  /** Deleted; the stored objects are being removed. */
  | 'DELETED'
  /** Upload or processing failed; `failure` says why. */
  | 'FAILED'
  /** Stored and verified. */
  | 'LIVE'
  /** Created; the bytes are not verified yet. */
  | 'PENDING';

export type Membership = {
  __typename?: 'Membership';
  /** The member's email (visible to fellow members). */
  email?: Maybe<Scalars['String']['output']>;
  /** When they joined. */
  joinedAt: Scalars['DateTime']['output'];
  /** The member's role. */
  role: Role;
  /** The team. */
  team?: Maybe<Team>;
  /** The member. */
  user?: Maybe<User>;
};

/** A model (owned by the models subgraph). */
export type Model = {
  __typename?: 'Model';
  /**
   * Argument schema (of the latest version), as seed 000 shows it: every argument with
   * `optional` and `example` filled in.
   */
  args: Scalars['JSON']['output'];
  /** Part of the built-in catalogue (public and read-only). */
  builtin: Scalars['Boolean']['output'];
  /**
   * `FAST` or `SLOW`: by the median runtime of its finished jobs, else its expected
   * runtime, against the configured threshold.
   */
  classification: ModelClassification;
  /** Command template (of the latest version). */
  command: Scalars['String']['output'];
  /** Container image (of the latest version). */
  container: Scalars['String']['output'];
  /** When it was created. */
  createdAt: Scalars['DateTime']['output'];
  /** When it was deleted; a deleted model that jobs ran stays readable for their history. */
  deletedAt?: Maybe<Scalars['DateTime']['output']>;
  /** What it does. */
  description: Scalars['String']['output'];
  /** Whether the acting account may change or delete it (it owns it and it is not deleted). */
  editable: Scalars['Boolean']['output'];
  /** URLs of example results. */
  exampleOutputs: Array<Scalars['String']['output']>;
  /** Declared typical runtime, in seconds. */
  expectedRuntimeSeconds?: Maybe<Scalars['Int']['output']>;
  /** Left out of listings (still readable by id). */
  hidden: Scalars['Boolean']['output'];
  /** Icon URL or file name. */
  icon?: Maybe<Scalars['String']['output']>;
  /** The model's id. */
  id: Scalars['ID']['output'];
  /** Invocation kind (of the latest version). */
  invocation: Invocation;
  /** The version new deployments run. */
  latestVersion: ModelVersion;
  /**
   * The model's own resource limits (of the latest version); absent ones are the
   * machine type's.
   */
  limits: ModelLimits;
  /** Machines per run (of the latest version). */
  machineCount: Scalars['Int']['output'];
  /** Machine type (of the latest version). */
  machineType: Scalars['String']['output'];
  /** Display name. */
  name: Scalars['String']['output'];
  /**
   * Whether runs get network egress (of the latest version); never to loopback or
   * private addresses.
   */
  network: Scalars['Boolean']['output'];
  /** Median runtime of the latest version's finished jobs, in seconds. */
  observedRuntimeSeconds?: Maybe<Scalars['Int']['output']>;
  /** Declared outputs (of the latest version). */
  outputs: Array<ModelOutput>;
  /** The owning account (absent for catalogue models). */
  ownerId?: Maybe<Scalars['ID']['output']>;
  /** Whether the owner is a user or a team. */
  ownerKind?: Maybe<AccountKind>;
  /** Readable by every account. */
  public: Scalars['Boolean']['output'];
  /**
   * The declared structured result (of the latest version): `schema`, the JSON Schema
   * of `Job.result`, and `tags`, where the result proposes tags for an input.
   */
  result?: Maybe<Scalars['JSON']['output']>;
  /** The runtime workers must have installed to run it (of the latest version). */
  runtime?: Maybe<Scalars['String']['output']>;
  /** The catalogue name of a built-in model (`audio-extract`); `model(id:)` accepts it. */
  slug?: Maybe<Scalars['String']['output']>;
  /** Labels (lower-case) for filtering. */
  tags: Array<Scalars['String']['output']>;
  /** Longest run in seconds (of the latest version). */
  timeoutSeconds: Scalars['Int']['output'];
  /** When it last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** Every version, newest first. */
  versions: ModelVersionConnection;
};


/** A model (owned by the models subgraph). */
export type ModelVersionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** How long a model takes to run. */
export type ModelClassification =
  /**
   * Finishes within the threshold (default 60 s) by its observed median runtime, else
   * its expected runtime; also models with no known runtime.
   */
  | 'FAST'
  /** Takes longer than the threshold. */
  | 'SLOW';

export type ModelConnection = {
  __typename?: 'ModelConnection';
  /** A list of edges. */
  edges: Array<ModelEdge>;
  /** A list of nodes. */
  nodes: Array<Model>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ModelEdge = {
  __typename?: 'ModelEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: Model;
};

/** Which models `models` returns. */
export type ModelFilter = {
  /** Only models carrying none of these tags. */
  excludeTags?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Include the acting account's own hidden models. */
  includeHidden?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only the acting account's own models. */
  mine?: InputMaybe<Scalars['Boolean']['input']>;
  /** Text in the name or description (case-insensitive). */
  search?: InputMaybe<Scalars['String']['input']>;
  /** Only models carrying every one of these tags (seed 000's `?tags=head`). */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Resource limits of a model's runs; each may only tighten the machine type's limit. */
export type ModelLimits = {
  __typename?: 'ModelLimits';
  /** CPU seconds any one process may use (CPU_TIME_EXCEEDED past it). */
  cpuSeconds?: Maybe<Scalars['Int']['output']>;
  /** Largest file a process may write, in MiB (FILE_TOO_LARGE past it). */
  fileSizeMb?: Maybe<Scalars['Int']['output']>;
  /** Memory of every process of a run together, in MiB (OUT_OF_MEMORY past it). */
  memoryMb?: Maybe<Scalars['Int']['output']>;
  /** Open files per process. */
  openFiles?: Maybe<Scalars['Int']['output']>;
  /** Everything a run leaves in its working directory, in MiB (OUTPUT_TOO_LARGE past it). */
  outputMb?: Maybe<Scalars['Int']['output']>;
  /** Processes and threads alive at once (TOO_MANY_PROCESSES past it). */
  processes?: Maybe<Scalars['Int']['output']>;
};

/** Resource limits of a model's runs; each may only tighten the machine type's limit. */
export type ModelLimitsInput = {
  /** CPU seconds any one process may use (CPU_TIME_EXCEEDED past it). */
  cpuSeconds?: InputMaybe<Scalars['Int']['input']>;
  /** Largest file a process may write, in MiB (FILE_TOO_LARGE past it). */
  fileSizeMb?: InputMaybe<Scalars['Int']['input']>;
  /** Memory of every process of a run together, in MiB (OUT_OF_MEMORY past it). */
  memoryMb?: InputMaybe<Scalars['Int']['input']>;
  /** Open files per process. */
  openFiles?: InputMaybe<Scalars['Int']['input']>;
  /** Everything a run leaves in its working directory, in MiB (OUTPUT_TOO_LARGE past it). */
  outputMb?: InputMaybe<Scalars['Int']['input']>;
  /** Processes and threads alive at once (TOO_MANY_PROCESSES past it). */
  processes?: InputMaybe<Scalars['Int']['input']>;
};

/** A file a run produces. */
export type ModelOutput = {
  __typename?: 'ModelOutput';
  /** Content type of matching files. */
  contentType: Scalars['String']['output'];
  /** Glob relative to the run's working directory (`frame-*.jpg`). */
  pattern: Scalars['String']['output'];
};

/** A declared output. */
export type ModelOutputInput = {
  /** Content type of matching files (`image/jpeg`). */
  contentType: Scalars['String']['input'];
  /**
   * Glob relative to the run's working directory (`frame-*.jpg`); `*` and `?` match
   * within one path segment.
   */
  pattern: Scalars['String']['input'];
};

/** A model version (owned by the models subgraph). */
export type ModelVersion = {
  __typename?: 'ModelVersion';
  /** Argument schema, with `optional` and `example` filled in. */
  args: Scalars['JSON']['output'];
  /** Command template. */
  command: Scalars['String']['output'];
  /** Container image. */
  container: Scalars['String']['output'];
  /** When this version was made. */
  createdAt: Scalars['DateTime']['output'];
  /** The version's id. */
  id: Scalars['ID']['output'];
  /** Invocation kind. */
  invocation: Invocation;
  /** The model's own resource limits; absent ones are the machine type's. */
  limits: ModelLimits;
  /** Machines per run. */
  machineCount: Scalars['Int']['output'];
  /** Machine type. */
  machineType: Scalars['String']['output'];
  /** The model. */
  model: Model;
  /** Whether runs get network egress (never to loopback or private addresses). */
  network: Scalars['Boolean']['output'];
  /** Declared outputs. */
  outputs: Array<ModelOutput>;
  /** The declared structured result: `schema` (of `Job.result`) and `tags`. */
  result?: Maybe<Scalars['JSON']['output']>;
  /** The runtime workers must have installed to run it. */
  runtime?: Maybe<Scalars['String']['output']>;
  /** Longest run, in seconds. */
  timeoutSeconds: Scalars['Int']['output'];
  /** 1 for the first version, then one more per change to what runs. */
  version: Scalars['Int']['output'];
};

export type ModelVersionConnection = {
  __typename?: 'ModelVersionConnection';
  /** A list of edges. */
  edges: Array<ModelVersionEdge>;
  /** A list of nodes. */
  nodes: Array<ModelVersion>;
  /** Information to aid in pagination. */
  pageInfo: PageInfo;
  /** How many items match, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge in a connection. */
export type ModelVersionEdge = {
  __typename?: 'ModelVersionEdge';
  /** A cursor for use in pagination */
  cursor: Scalars['String']['output'];
  /** The item at the end of the edge */
  node: ModelVersion;
};

export type Money = {
  __typename?: 'Money';
  /** Minor units (cents): money is never a float. */
  amount: Scalars['Int']['output'];
  /** ISO 4217 currency code. */
  currency: Scalars['String']['output'];
  /** For people: `12.34 USD`. */
  formatted: Scalars['String']['output'];
};

/** The parts of a multipart upload. */
export type MultipartUpload = {
  __typename?: 'MultipartUpload';
  /** How many parts. */
  partCount: Scalars['Int']['output'];
  /** Bytes per part; the last part has the rest. */
  partSize: Scalars['Float']['output'];
  /** URLs of the parts asked for with `parts`. */
  parts: Array<UploadPartUrl>;
};

/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Drops an unfinished upload (multipart or single-PUT): its parts or bytes and the
   * pending media.
   */
  abortUpload: Scalars['Boolean']['output'];
  /** Joins the team of an invite addressed to your email. */
  acceptInvite: Team;
  /**
   * Cancels a job: a queued one at once; a running one is stopped by its worker
   * (`cancelRequested` until then). A finished job is a CONFLICT.
   */
  cancelJob: Job;
  /**
   * Changes a member's role (owners and admins). Admins move people between MEMBER and
   * ADMIN; only owners change admins and owners or make owners; anyone may step down.
   * The last owner cannot step down (CONFLICT).
   */
  changeMemberRole: Membership;
  /**
   * Finishes a sign-in with the `code` and `state` the provider sent to the callback:
   * the user (created on first sign-in), a session and a refresh token.
   */
  completeOidcLogin: AuthPayload;
  /**
   * Assembles a multipart upload and checks its size and sha256; the media is then live.
   * Missing parts: BAD_USER_INPUT naming them (send them and complete again). A part of
   * the wrong size or a wrong sha256: BAD_USER_INPUT, and the upload is removed.
   */
  completeUpload: Media;
  /** Creates an API key for yourself or a team you administer. The secret is shown once. */
  createApiKey: CreatedApiKey;
  /**
   * Creates a deployment of a model version with validated arguments and queues its job.
   * Invalid arguments give one BAD_USER_INPUT error per argument (`extensions.field` is
   * `args.<name>`) and queue nothing. With an `idempotencyKey` used before by the acting
   * account, returns that deployment (CONFLICT if the request differs).
   */
  createDeployment: Deployment;
  /**
   * Creates a model owned by the acting account (a team credential makes a team model).
   * BAD_USER_INPUT names the field at fault (`args` errors name each argument); CONFLICT
   * when the chosen id is taken.
   */
  createModel: Model;
  /**
   * Adds a tag to your vocabulary without tagging anything (an existing tag is returned
   * as it is). CONFLICT past `media.max_vocabulary` tags.
   */
  createTag: Tag;
  /** Creates a team with you as its owner. */
  createTeam: Team;
  /**
   * A session token that acts as the team (for members). Resources it creates belong to
   * the team.
   */
  createTeamToken: AuthPayload;
  /**
   * Starts a presigned upload: returns the pending media and where to PUT the bytes
   * (straight to storage). Then call `finalizeUpload`. A file above the multipart threshold
   * (or with `multipart: true`) is uploaded in parts instead: PUT each part to its URL
   * (`uploadPartUrls` gives more), then call `completeUpload`.
   */
  createUpload: UploadTicket;
  /** Deletes a media at once; its stored bytes are removed in the background. */
  deleteMedia: Scalars['ID']['output'];
  /**
   * Deletes a model the acting account owns. A model that jobs ran is hidden for good
   * (still readable by id for their history) instead of removed.
   */
  deleteModel: DeleteModelPayload;
  /** Deletes a tag from the vocabulary and from every media. */
  deleteTag: Scalars['Boolean']['output'];
  /**
   * Verifies a presigned upload (size and sha256) and makes the media live. A mismatch
   * fails the media, removes the bytes and says why (BAD_USER_INPUT).
   */
  finalizeUpload: Media;
  /**
   * Invites an email address into a team (owners and admins). Returns the invite token to
   * hand to the invitee.
   */
  inviteMember: InvitePayload;
  /**
   * Invokes a trigger by hand with `payload` as the new row (Hasura's manual trigger;
   * op `MANUAL`) (admin).
   */
  invokeEventTrigger: EventRecord;
  /** Leaves a team. The last owner cannot leave. */
  leaveTeam: Scalars['Boolean']['output'];
  /** Exchanges email and password for a session token (valid three days). */
  logIn: AuthPayload;
  /** Revokes the session token of this request; it fails from the next request on. */
  logOut: Scalars['Boolean']['output'];
  /** Queues every dead event of a trigger again; returns how many (admin). */
  redeliverDeadEvents: Scalars['Int']['output'];
  /** Queues a dead or delivered event again with a fresh retry budget (admin). */
  redeliverEvent: EventRecord;
  /**
   * Exchanges a refresh token for a new session and a new refresh token (the old one is
   * used up). UNAUTHENTICATED when it is unknown, expired or revoked; a refresh token
   * presented a second time revokes its whole sign-in (every session it issued).
   */
  refreshSession: AuthPayload;
  /**
   * Removes the acting account's budget; false when it had none. Same rights as
   * `setBudget`.
   */
  removeBudget: Scalars['Boolean']['output'];
  /**
   * Removes a member (owners and admins; only owners remove admins and owners). The last
   * owner cannot be removed. The member's team tokens stop working.
   */
  removeMember: Team;
  /** Renames a tag on every media (merging into `newName` when it exists). */
  renameTag: Tag;
  /** Queues a failed or cancelled job again as a new attempt. */
  retryJob: Job;
  /** Revokes an API key of the acting account, effective on the next request. */
  revokeApiKey: ApiKey;
  /**
   * Revokes an invite nobody accepted yet (owners and admins of its team): its token
   * stops working. An accepted invite is CONFLICT (remove the member instead).
   */
  revokeInvite: Scalars['Boolean']['output'];
  /** Replaces the acting account's webhook signing secret and returns the new one. */
  rotateWebhookSecret: Scalars['String']['output'];
  /**
   * Sets the acting account's monthly budget. A team's budget is set by its owners and
   * admins with a team session token; anyone else gets FORBIDDEN.
   */
  setBudget: Budget;
  /** Adds a price from a time on (admin scope). Usage already recorded keeps its price. */
  setPrice: Price;
  /** Replaces the acting account's retention policy (same rights as `retentionPolicy`). */
  setRetentionPolicy: RetentionPolicy;
  /** Sets an account's own upload limits (admin scope). */
  setUploadQuota: UploadQuota;
  /** Creates an account and returns a session token (valid three days). */
  signUp: AuthPayload;
  /**
   * Starts a sign-in through the configured identity provider (OIDC authorization code
   * with PKCE): send the browser to `authorizationUrl`. FORBIDDEN when none is configured.
   */
  startOidcLogin: OidcLoginStart;
  /** Renames and/or retags a media. */
  updateMedia: Media;
  /**
   * Changes a model the acting account owns; a change to what runs adds a version.
   * FORBIDDEN for public models of other accounts and catalogue models, NOT_FOUND for
   * private models of other accounts.
   */
  updateModel: Model;
  /**
   * Uploads a file in this request, as a `multipart/form-data` request that follows the
   * GraphQL multipart request spec (send it to the router's GraphQL endpoint). The bytes are
   * streamed into storage and hashed on the way; the media is live at once. Such a request
   * runs in the media service alone, so select only media fields.
   */
  uploadMedia: Media;
  /**
   * URLs for parts of a multipart upload, each with the SHA-256 of its bytes (at most 100
   * at a time by default). Asking for a part again gives a fresh URL.
   */
  uploadPartUrls: Array<UploadPartUrl>;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationAbortUploadArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationAcceptInviteArgs = {
  token: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCancelJobArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationChangeMemberRoleArgs = {
  role: Role;
  teamId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCompleteOidcLoginArgs = {
  code: Scalars['String']['input'];
  state: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCompleteUploadArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCreateApiKeyArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: CreateApiKeyInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCreateDeploymentArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: CreateDeploymentInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCreateModelArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: CreateModelInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCreateTagArgs = {
  name: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCreateTeamArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCreateTeamTokenArgs = {
  teamId: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationCreateUploadArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: CreateUploadInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationDeleteMediaArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationDeleteModelArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationDeleteTagArgs = {
  name: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationFinalizeUploadArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationInviteMemberArgs = {
  email: Scalars['String']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  role?: Role;
  teamId: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationInvokeEventTriggerArgs = {
  payload: Scalars['JSON']['input'];
  trigger: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationLeaveTeamArgs = {
  teamId: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationLogInArgs = {
  input: LogInInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRedeliverDeadEventsArgs = {
  trigger: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRedeliverEventArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRefreshSessionArgs = {
  refreshToken: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRemoveMemberArgs = {
  teamId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRenameTagArgs = {
  name: Scalars['String']['input'];
  newName: Scalars['String']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRetryJobArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationRevokeInviteArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationSetBudgetArgs = {
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  input: SetBudgetInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationSetPriceArgs = {
  input: SetPriceInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationSetRetentionPolicyArgs = {
  input: RetentionPolicyInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationSetUploadQuotaArgs = {
  accountId: Scalars['ID']['input'];
  input: UploadQuotaInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationSignUpArgs = {
  input: SignUpInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationStartOidcLoginArgs = {
  redirectUri?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationUpdateMediaArgs = {
  id: Scalars['ID']['input'];
  input: UpdateMediaInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationUpdateModelArgs = {
  id: Scalars['ID']['input'];
  input: UpdateModelInput;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationUploadMediaArgs = {
  file: Scalars['Upload']['input'];
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};


/**
 * Root mutation: the accounts mutations, retention policies and the kit's admin fields for
 * events.
 */
export type MutationUploadPartUrlsArgs = {
  id: Scalars['ID']['input'];
  parts: Array<UploadPartInput>;
};

/** A sign-in through the identity provider, started. */
export type OidcLoginStart = {
  __typename?: 'OidcLoginStart';
  /**
   * Send the user's browser here; the provider sends it back to the callback with
   * `code` and `state`.
   */
  authorizationUrl: Scalars['String']['output'];
  /** The sign-in must come back before this. */
  expiresAt: Scalars['DateTime']['output'];
  /** The state the callback will carry (also inside `authorizationUrl`). */
  state: Scalars['String']['output'];
};

/** Information about pagination in a connection */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** When paginating forwards, the cursor to continue. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** When paginating forwards, are there more items? */
  hasNextPage: Scalars['Boolean']['output'];
  /** When paginating backwards, are there more items? */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** When paginating backwards, the cursor to continue. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/**
 * How a multipart upload's parts are checked as they arrive. The whole file's sha256 is
 * checked at `completeUpload` either way.
 */
export type PartChecksumAlgorithm =
  /**
   * CRC32 (IEEE, as zlib and S3's `x-amz-checksum-crc32`) of each part (`crc32` of
   * `UploadPartInput`, 8 hex digits, big-endian): a small fraction of SHA-256's CPU on
   * both ends, for the fastest uploads.
   */
  | 'CRC32'
  /** SHA-256 of each part (`sha256` of `UploadPartInput`, 64 hex digits). */
  | 'SHA256';

export type Price = {
  __typename?: 'Price';
  /** The amount, in the unit of its kind (see `unit`). */
  amount: Scalars['Int']['output'];
  /** When it starts to apply (until the item's next price). */
  effectiveFrom: Scalars['DateTime']['output'];
  /** What it is for. */
  kind?: Maybe<PriceKind>;
  /** The machine type (machine prices). */
  machineType?: Maybe<Scalars['String']['output']>;
  /** The unit of `amount`. */
  unit: Scalars['String']['output'];
};

/** What a price is for. */
export type PriceKind =
  /** Free usage per monthly period, in minor units. */
  | 'FREE_ALLOWANCE'
  /** A machine type: micro-units (millionths of a minor unit) per machine-second. */
  | 'MACHINE'
  /** Storage: micro-units per GB-month (10^9 bytes for 730 hours). */
  | 'STORAGE';

/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type Query = {
  __typename?: 'Query';
  /** The account the credential acts as: the user, or a team. */
  actingAccount: ActingAccount;
  /** API keys of the acting account, newest first. */
  apiKeys: ApiKeyConnection;
  /** The acting account's monthly budget, if it set one. */
  budget?: Maybe<Budget>;
  /**
   * The cluster: drivers, machine types with capacity and load, and (admin scope) the
   * workers with their last heartbeat.
   */
  cluster: Cluster;
  /** Dead events (admin), oldest first; page with `after` = the last `seq`. */
  deadEvents: Array<EventRecord>;
  /** One of the acting account's deployments (NOT_FOUND otherwise). */
  deployment: Deployment;
  /**
   * The acting account's deployment created with this idempotency key, or null: lets a
   * client that retries skip work it already did.
   */
  deploymentByKey?: Maybe<Deployment>;
  /** The acting account's deployments, newest first. */
  deployments: DeploymentConnection;
  /** One of the acting account's invoices; NOT_FOUND for any other. */
  invoice: Invoice;
  /** The acting account's invoices, newest first. */
  invoices: InvoiceConnection;
  /** One of the acting account's jobs (NOT_FOUND otherwise). */
  job: Job;
  /** The acting account's jobs, newest first. */
  jobs: JobConnection;
  /** The signed-in person (with a team credential: the person behind it). */
  me: User;
  /** One of the acting account's media (NOT_FOUND otherwise). */
  media: Media;
  /** The acting account's media, newest first. */
  mediaList: MediaConnection;
  /**
   * A model by UUID, or a catalogue model by slug (`audio-extract`). Deleted models that
   * jobs ran stay readable here. NOT_FOUND for another account's private model.
   */
  model: Model;
  /** A model version by id (what a job pinned). */
  modelVersion: ModelVersion;
  /** Models the acting account can use (its own and public ones), newest first. */
  models: ModelConnection;
  /** Every price: past ones, the ones in force and scheduled ones, by item. */
  prices: Array<Price>;
  /**
   * The acting account's retention policy (its owner only: the user, or a team's owners
   * and admins with a team session token).
   */
  retentionPolicy: RetentionPolicy;
  /**
   * How people can sign in here (no credential needed): a password always, an identity
   * provider when one is configured (`startOidcLogin`).
   */
  signInMethods: Array<SignInMethod>;
  /** The acting account's tags with usage counts, by name. */
  tags: Array<Tag>;
  /** A team the acting user belongs to (NOT_FOUND otherwise). */
  team: Team;
  /** The acting user's teams and roles. */
  teams: Array<Membership>;
  /** The parts the store holds of a multipart upload, and the ones still to send. */
  uploadParts: UploadProgress;
  /** The acting account's upload limits and what it stores. */
  uploadQuota: UploadQuota;
  /**
   * The acting account's usage in a monthly period (UTC): per machine type and model,
   * storage, the free allowance, the total and the budget.
   */
  usage: Usage;
  /**
   * The acting account's Standard Webhooks signing secret (`whsec_...`): check the
   * `webhook-signature` of callbacks with it. Created on first use. Needs the `write`
   * scope: whoever holds it can forge callbacks, so a read-only credential cannot read it.
   */
  webhookSecret: Scalars['String']['output'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryApiKeysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryDeadEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  trigger?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryDeploymentArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryDeploymentByKeyArgs = {
  idempotencyKey: Scalars['String']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryDeploymentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryInvoiceArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryInvoicesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JobFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryMediaArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryMediaListArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<MediaFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryModelArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryModelVersionArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryModelsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ModelFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryTeamArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryUploadPartsArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Root query: the accounts queries, retention policies and the kit's admin fields for
 * events.
 */
export type QueryUsageArgs = {
  period?: InputMaybe<Scalars['String']['input']>;
};

/** How long the account's data is kept; the sweep removes what is older (hourly by default). */
export type RetentionPolicy = {
  __typename?: 'RetentionPolicy';
  /** Days a job's callback attempts are kept. */
  callbackAttemptsDays: Scalars['Int']['output'];
  /** The fields that follow the platform's default. */
  defaults: Array<Scalars['String']['output']>;
  /** Days deleted and failed media stay listed (status DELETED/FAILED) before their rows go. */
  deletedRowsDays: Scalars['Int']['output'];
  /** Days expired sessions, refresh tokens and invites are kept. */
  expiredSessionsDays: Scalars['Int']['output'];
  /** Days a job's log lines are kept. */
  jobLogsDays: Scalars['Int']['output'];
  /** Days a job's output media are kept (media a running job still uses are kept). */
  jobOutputsDays: Scalars['Int']['output'];
  /** Hours an upload may stay unfinished before it is removed. */
  pendingUploadsHours: Scalars['Int']['output'];
  /** Days uploaded media are kept; null: until deleted. */
  sourceMediaDays?: Maybe<Scalars['Int']['output']>;
  /** When the account last set its policy; null if it never did. */
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};

/** A whole policy: a field left out (or null) follows the platform's default. */
export type RetentionPolicyInput = {
  /** 1 to 36500 days. */
  callbackAttemptsDays?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 36500 days. */
  deletedRowsDays?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 36500 days. */
  expiredSessionsDays?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 36500 days. */
  jobLogsDays?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 36500 days. */
  jobOutputsDays?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 8760 hours. */
  pendingUploadsHours?: InputMaybe<Scalars['Int']['input']>;
  /** 1 to 36500 days. */
  sourceMediaDays?: InputMaybe<Scalars['Int']['input']>;
};

/** A member's role. Owners and admins administer the team; only owners manage owners. */
export type Role =
  /** Also invites and removes members and manages the team's API keys. */
  | 'ADMIN'
  /** Uses the team's resources. */
  | 'MEMBER'
  /** Also manages admins and owners. */
  | 'OWNER';

/** What a credential may do. */
export type Scope =
  /** Platform administration (events, prices). */
  | 'ADMIN'
  /** Queries and subscriptions. */
  | 'READ'
  /** Mutations. */
  | 'WRITE';

/** A monthly budget. */
export type SetBudgetInput = {
  /** Refuse new deployments once reached (true), or only warn (false). */
  hard: Scalars['Boolean']['input'];
  /** The limit per monthly period, in minor units. */
  monthlyLimit: Scalars['Int']['input'];
};

/** A new price of an item. */
export type SetPriceInput = {
  /**
   * Micro-units per machine-second (`MACHINE`), micro-units per GB-month (`STORAGE`) or
   * minor units per period (`FREE_ALLOWANCE`).
   */
  amount: Scalars['Int']['input'];
  /** From when (now when absent; never in the past, so recorded usage keeps its price). */
  effectiveFrom?: InputMaybe<Scalars['DateTime']['input']>;
  /** What it is for. */
  kind: PriceKind;
  /** The machine type (for `MACHINE`). */
  machineType?: InputMaybe<Scalars['String']['input']>;
};

/** A way to sign in. */
export type SignInMethod =
  /** The configured identity provider (`startOidcLogin`, `completeOidcLogin`). */
  | 'OIDC'
  /** Email and password (`logIn`, `signUp`). */
  | 'PASSWORD';

/** Sign-up details. */
export type SignUpInput = {
  /** Email address (normalised to lower case). */
  email: Scalars['String']['input'];
  /** Display name. */
  name: Scalars['String']['input'];
  /** At least 10 characters, mixing letters with digits or symbols. */
  password: Scalars['String']['input'];
};

export type StorageUsage = {
  __typename?: 'StorageUsage';
  /** What it cost. */
  amount: Money;
  /** GB-hours (10^9 bytes for one hour), summed over the hourly samples. */
  gbHours: Scalars['Float']['output'];
  /**
   * The account's storage quota now (`uploadQuota` has the details): uploads that would
   * pass it are refused with QUOTA_EXCEEDED.
   */
  quotaBytes: Scalars['Float']['output'];
  /** Hourly samples taken. */
  samples: Scalars['Int']['output'];
  /** Bytes of live media the account stores now. */
  storedBytes: Scalars['Float']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The job's log lines after the cursor `after` (from the start when absent), then new
   * ones as they come; a client that reconnects with its last cursor gets exactly the
   * lines it missed. Completes when the job has finished and every line was sent.
   */
  jobLogs: JobLogLine;
  /**
   * The job's current state first, then every change of status, progress, message,
   * outputs or cancel request; the stream completes after a terminal state.
   */
  jobUpdated: Job;
  /**
   * Every change to any job of the acting account (new jobs included), as the job's
   * current state.
   */
  myJobs: Job;
};


export type SubscriptionJobLogsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
};


export type SubscriptionJobUpdatedArgs = {
  id: Scalars['ID']['input'];
};

/** A tag of the acting account's vocabulary. */
export type Tag = {
  __typename?: 'Tag';
  /** When it was first used. */
  createdAt: Scalars['DateTime']['output'];
  /** How many media carry it (deleted ones excluded). */
  mediaCount: Scalars['Int']['output'];
  /** The tag (lower-case). */
  name: Scalars['String']['output'];
};

/** A tag a job added to a media. */
export type TagLineage = {
  __typename?: 'TagLineage';
  /** When it was added. */
  at: Scalars['DateTime']['output'];
  /** The job whose result proposed it. */
  job: Job;
  /** The tag. */
  tag: Scalars['String']['output'];
};

export type Team = {
  __typename?: 'Team';
  /** When the team was created. */
  createdAt: Scalars['DateTime']['output'];
  /** The team's id. */
  id: Scalars['ID']['output'];
  /** Members and their roles, oldest first. */
  members: Array<Membership>;
  /** The acting user's role in this team, if a member. */
  myRole?: Maybe<Role>;
  /** The team's name. */
  name: Scalars['String']['output'];
  /**
   * Invites not yet accepted and not expired, oldest first (owners and admins;
   * FORBIDDEN for other members). Their tokens are never shown again.
   */
  pendingInvites: Array<Invite>;
};

/** Changes to a media. */
export type UpdateMediaInput = {
  /** New name. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** New tags (replace the current ones). */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/**
 * Changes to a model: only the fields given change. A change to container, command,
 * invocation, args, machine type or count, timeout or outputs adds a version.
 */
export type UpdateModelInput = {
  /** Argument schema (replaces the current one). */
  args?: InputMaybe<Scalars['JSON']['input']>;
  /** Command template. */
  command?: InputMaybe<Scalars['String']['input']>;
  /** Container image. */
  container?: InputMaybe<Scalars['String']['input']>;
  /** What it does. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** URLs of example results. */
  exampleOutputs?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Typical runtime in seconds. */
  expectedRuntimeSeconds?: InputMaybe<Scalars['Int']['input']>;
  /** Leave out of listings. */
  hidden?: InputMaybe<Scalars['Boolean']['input']>;
  /** Icon URL or file name. */
  icon?: InputMaybe<Scalars['String']['input']>;
  /** EXEC or HTTP. */
  invocation?: InputMaybe<Invocation>;
  /** Resource limits (replace the current ones). */
  limits?: InputMaybe<ModelLimitsInput>;
  /** Machines per run. */
  machineCount?: InputMaybe<Scalars['Int']['input']>;
  /** Machine type. */
  machineType?: InputMaybe<Scalars['String']['input']>;
  /** Display name. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** Runs need network egress. */
  network?: InputMaybe<Scalars['Boolean']['input']>;
  /** Files a run produces (replace the current ones). */
  outputs?: InputMaybe<Array<ModelOutputInput>>;
  /** Readable by every account. */
  public?: InputMaybe<Scalars['Boolean']['input']>;
  /**
   * The structured result the program writes to `result.json`:
   * `{"schema": <JSON Schema>, "tags": {"field": "tags", "arg": "image"}}` (`tags`
   * optional: lets deployments add the result's tags to that input media).
   */
  result?: InputMaybe<Scalars['JSON']['input']>;
  /** A runtime workers must have installed (`vision`). */
  runtime?: InputMaybe<Scalars['String']['input']>;
  /** Labels (replace the current ones). */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Longest run in seconds. */
  timeoutSeconds?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * A part of a multipart upload to have a URL for, with the checksum of its bytes in the
 * upload's algorithm (`partChecksum` of `createUpload`): signed into its URL, so the store
 * refuses other bytes. Give exactly one of `sha256` and `crc32`.
 */
export type UploadPartInput = {
  /** CRC32 of the part's bytes, 8 hex digits, big-endian (uploads checked with CRC32). */
  crc32?: InputMaybe<Scalars['String']['input']>;
  /** 1-based part number. */
  number: Scalars['Int']['input'];
  /** SHA-256 of the part's bytes, 64 hex digits (uploads checked with SHA256). */
  sha256?: InputMaybe<Scalars['String']['input']>;
};

/** Where to PUT one part. */
export type UploadPartUrl = {
  __typename?: 'UploadPartUrl';
  /** When the URL stops working (ask again with `uploadPartUrls`). */
  expiresAt: Scalars['DateTime']['output'];
  /** Headers to send with the PUT, exactly as given. */
  headers: Array<Header>;
  /** The HTTP method (PUT). */
  method: Scalars['String']['output'];
  /** The part's number. */
  number: Scalars['Int']['output'];
  /** The URL. */
  url: Scalars['String']['output'];
};

/** Where a multipart upload stands: resume by sending the missing parts. */
export type UploadProgress = {
  __typename?: 'UploadProgress';
  /** Numbers of the parts still to send. */
  missing: Array<Scalars['Int']['output']>;
  /** How many parts. */
  partCount: Scalars['Int']['output'];
  /** Bytes per part. */
  partSize: Scalars['Float']['output'];
  /** The parts the store holds. */
  uploaded: Array<UploadedPart>;
};

/** An account's upload limits and where it stands. */
export type UploadQuota = {
  __typename?: 'UploadQuota';
  /** Uploads streaming through the service now. */
  activeUploads: Scalars['Int']['output'];
  /** The most it may stream at once. */
  maxConcurrentUploads: Scalars['Int']['output'];
  /** The most it may have. */
  maxPendingUploads: Scalars['Int']['output'];
  /** Whether an admin set this account's own limits. */
  overridden: Scalars['Boolean']['output'];
  /** Presigned and multipart uploads started and not finished. */
  pendingUploads: Scalars['Int']['output'];
  /** Declared bytes of uploads started and not finished (reserved). */
  reservedBytes: Scalars['Float']['output'];
  /** Bytes the account may store: live media plus pending uploads' declared sizes. */
  storageBytes: Scalars['Float']['output'];
  /** Bytes of live media. */
  storedBytes: Scalars['Float']['output'];
};

/**
 * An account's own upload limits; a field left out (or null) goes back to the configured
 * value.
 */
export type UploadQuotaInput = {
  /** Uploads streamed through the service at once. */
  concurrentUploads?: InputMaybe<Scalars['Int']['input']>;
  /** Uploads started and not finished. */
  pendingUploads?: InputMaybe<Scalars['Int']['input']>;
  /** Storage quota in bytes. */
  storageBytes?: InputMaybe<Scalars['Float']['input']>;
};

/** Where to send a presigned upload's bytes. */
export type UploadTicket = {
  __typename?: 'UploadTicket';
  /** When the URL stops working. */
  expiresAt: Scalars['DateTime']['output'];
  /** Headers to send with it. */
  headers: Array<Header>;
  /**
   * The pending media; call `finalizeUpload(id)` after the PUT (`completeUpload(id)`
   * after the parts of a multipart upload).
   */
  media: Media;
  /** The HTTP method (PUT). */
  method: Scalars['String']['output'];
  /**
   * The parts, when the upload is multipart (a size above the multipart threshold, or
   * `multipart: true`).
   */
  multipart?: Maybe<MultipartUpload>;
  /** The URL to send the bytes to; null for a multipart upload (PUT its parts instead). */
  url?: Maybe<Scalars['String']['output']>;
};

/** A part the store holds. */
export type UploadedPart = {
  __typename?: 'UploadedPart';
  /** The store's entity tag. */
  etag?: Maybe<Scalars['String']['output']>;
  /** Its number. */
  number: Scalars['Int']['output'];
  /** Its size in bytes. */
  size: Scalars['Float']['output'];
};

export type Usage = {
  __typename?: 'Usage';
  /** The part of the free allowance used. */
  allowanceApplied: Money;
  /** The account's budget against this period's total (null without a budget). */
  budget?: Maybe<BudgetStatus>;
  /** Job usage per machine type. */
  byMachineType: Array<JobUsage>;
  /** Job usage per model (the same runs as `byMachineType`, grouped otherwise). */
  byModel: Array<JobUsage>;
  /** ISO 4217 code of every amount. */
  currency: Scalars['String']['output'];
  /** The free allowance of the period. */
  freeAllowance: Money;
  /** The period, `YYYY-MM`. */
  period: Scalars['String']['output'];
  /** The first instant after it. */
  periodEnd: Scalars['DateTime']['output'];
  /** Its first instant. */
  periodStart: Scalars['DateTime']['output'];
  /** Storage, sampled hourly, with what the account stores now against its quota. */
  storage: StorageUsage;
  /** Machine types plus storage. */
  subtotal: Money;
  /** What the period costs: subtotal minus the allowance applied. */
  total: Money;
  /** Warnings for people, such as a budget reached. */
  warnings: Array<Scalars['String']['output']>;
};

export type User = {
  __typename?: 'User';
  /** When the account was created. */
  createdAt: Scalars['DateTime']['output'];
  /** Email address; only the user themselves sees it. */
  email?: Maybe<Scalars['String']['output']>;
  /** The user's id. */
  id: Scalars['ID']['output'];
  /** Display name. */
  name: Scalars['String']['output'];
  /** Teams the user belongs to, with their role; only the user themselves sees them. */
  teams: Array<Membership>;
};

/** A worker process. */
export type Worker = {
  __typename?: 'Worker';
  /** Whether it reported in lately and has not stopped. */
  alive: Scalars['Boolean']['output'];
  /** Runs it has now. */
  busy: Scalars['Int']['output'];
  /** Slots per machine type. */
  capacity: Array<MachineTypeSlots>;
  /** Its driver. */
  driver: Scalars['String']['output'];
  /** Its GPUs as it last read them (a local worker on a GPU host). */
  gpus: Array<WorkerGpu>;
  /** The machine it runs on. */
  hostname: Scalars['String']['output'];
  /** Its id (the lease holder name). */
  id: Scalars['String']['output'];
  /** When it last reported in. */
  lastHeartbeatAt: Scalars['DateTime']['output'];
  /** Model runtimes installed on it. */
  runtimes: Array<Scalars['String']['output']>;
  /** How it isolates tenant programs. */
  sandbox: Scalars['String']['output'];
  /** When it started. */
  startedAt: Scalars['DateTime']['output'];
};

/**
 * A GPU of a worker (a whole card, or a MIG device of a card in MIG mode), as
 * `nvidia-smi` last reported it.
 */
export type WorkerGpu = {
  __typename?: 'WorkerGpu';
  /** Its card's index on the host. */
  index: Scalars['Int']['output'];
  /** Memory, in MiB. */
  memoryTotalMb: Scalars['Int']['output'];
  /** Memory in use, in MiB. */
  memoryUsedMb: Scalars['Int']['output'];
  /** Where it sits on its card, when it is a MIG device. */
  mig?: Maybe<WorkerGpuMig>;
  /** The product name. */
  name: Scalars['String']['output'];
  /** Runs holding it now. */
  runs: Scalars['Int']['output'];
  /** Utilisation, 0 to 100, when the board reports it. */
  utilizationPercent?: Maybe<Scalars['Int']['output']>;
  /** Its UUID (`GPU-...` or `MIG-...`: what runs see in `CUDA_VISIBLE_DEVICES`). */
  uuid: Scalars['String']['output'];
};

/** A MIG device's place on its card. */
export type WorkerGpuMig = {
  __typename?: 'WorkerGpuMig';
  /** Its compute instance id within the GPU instance. */
  computeInstance: Scalars['Int']['output'];
  /** Its GPU instance id. */
  gpuInstance: Scalars['Int']['output'];
  /** The card's UUID. */
  parentUuid: Scalars['String']['output'];
  /** The MIG profile (`1g.5gb`). */
  profile: Scalars['String']['output'];
};

export type ClusterQueryVariables = Exact<{ [key: string]: never; }>;


export type ClusterQuery = { __typename?: 'Query', cluster: { __typename?: 'Cluster', drivers: Array<string>, sandboxes: Array<string>, runtimes: Array<string>, machineTypes: Array<{ __typename?: 'MachineType', name: string, capacity: number, busy: number, queued: number, workers: number }>, catalogue: Array<{ __typename?: 'CatalogueAvailability', slug: string, machineType: string, runtime?: string | null, runnable: boolean, hint?: string | null }>, workers: Array<{ __typename?: 'Worker', id: string, hostname: string, driver: string, busy: number, alive: boolean, lastHeartbeatAt: string }>, agents: Array<{ __typename?: 'Agent', name: string, site?: string | null, machineTypes: Array<string>, slots: number, runningJobs: number, workers: number, lastSeenAt?: string | null, version?: string | null, revokedAt?: string | null }> } };

export type JobQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type JobQuery = { __typename?: 'Query', job: { __typename?: 'Job', id: string, status?: JobStatus | null, progress: number, message?: string | null, queuePosition?: number | null, estimatedStartAt?: string | null, attempts: number, machineType: string, createdAt: string, startedAt?: string | null, finishedAt?: string | null, result?: unknown | null, error?: { __typename?: 'JobError', code: string, message: string } | null, cost: { __typename?: 'Money', formatted: string }, deployment?: { __typename?: 'Deployment', name: string, args: unknown, model: { __typename?: 'Model', name: string } } | null, outputs: Array<{ __typename?: 'Media', id: string, name: string, kind?: MediaKind | null, url?: string | null, thumbnailUrl?: string | null, contentType: string }>, logs: { __typename?: 'JobLogPage', endCursor?: string | null, lines: Array<{ __typename?: 'JobLogLine', cursor: string, line: string, stream: string }> } } };

export type JobUpdatedSubscriptionVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type JobUpdatedSubscription = { __typename?: 'Subscription', jobUpdated: { __typename?: 'Job', id: string, status?: JobStatus | null, progress: number, message?: string | null, queuePosition?: number | null, estimatedStartAt?: string | null, result?: unknown | null, error?: { __typename?: 'JobError', code: string, message: string } | null, outputs: Array<{ __typename?: 'Media', id: string, name: string, kind?: MediaKind | null, url?: string | null, thumbnailUrl?: string | null, contentType: string }> } };

export type JobLogsSubscriptionVariables = Exact<{
  id: Scalars['ID']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type JobLogsSubscription = { __typename?: 'Subscription', jobLogs: { __typename?: 'JobLogLine', cursor: string, line: string, stream: string } };

export type CancelJobMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type CancelJobMutation = { __typename?: 'Mutation', cancelJob: { __typename?: 'Job', id: string, status?: JobStatus | null, cancelRequested: boolean } };

export type RetryJobMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type RetryJobMutation = { __typename?: 'Mutation', retryJob: { __typename?: 'Job', id: string, status?: JobStatus | null } };

export type JobsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type JobsQuery = { __typename?: 'Query', jobs: { __typename?: 'JobConnection', totalCount: number, nodes: Array<{ __typename?: 'Job', id: string, status?: JobStatus | null, progress: number, message?: string | null, createdAt: string, machineType: string, queuePosition?: number | null, deployment?: { __typename?: 'Deployment', name: string, model: { __typename?: 'Model', name: string } } | null }> } };

export type MyJobsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type MyJobsSubscription = { __typename?: 'Subscription', myJobs: { __typename?: 'Job', id: string, status?: JobStatus | null, progress: number, message?: string | null, queuePosition?: number | null } };

export type ApiKeysQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type ApiKeysQuery = { __typename?: 'Query', apiKeys: { __typename?: 'ApiKeyConnection', nodes: Array<{ __typename?: 'ApiKey', id: string, name: string, prefix: string, ownerKind: AccountKind, scopes: Array<Scope>, createdAt: string, lastUsedAt?: string | null, expiresAt?: string | null, revokedAt?: string | null }> } };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { __typename?: 'Mutation', createApiKey: { __typename?: 'CreatedApiKey', secret?: string | null, apiKey: { __typename?: 'ApiKey', id: string, name: string } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type RevokeApiKeyMutation = { __typename?: 'Mutation', revokeApiKey: { __typename?: 'ApiKey', id: string, revokedAt?: string | null } };

export type MediaDetailsQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type MediaDetailsQuery = { __typename?: 'Query', media: { __typename?: 'Media', id: string, name: string, kind?: MediaKind | null, contentType: string, size: number, sha256?: string | null, status?: MediaStatus | null, failure?: string | null, tags: Array<string>, createdAt: string, url?: string | null, thumbnailUrl?: string | null, jobId?: string | null, metadata?: { __typename?: 'MediaMetadata', width?: number | null, height?: number | null, durationSeconds?: number | null, videoCodec?: string | null, audioCodec?: string | null, bitrate?: number | null, frameRate?: number | null, format?: string | null } | null, job?: { __typename?: 'Job', id: string, status?: JobStatus | null, deployment?: { __typename?: 'Deployment', name: string, model: { __typename?: 'Model', name: string } } | null } | null } };

export type UpdateMediaMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  input: UpdateMediaInput;
}>;


export type UpdateMediaMutation = { __typename?: 'Mutation', updateMedia: { __typename?: 'Media', id: string, name: string, tags: Array<string> } };

export type MediaListQueryVariables = Exact<{
  filter?: InputMaybe<MediaFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type MediaListQuery = { __typename?: 'Query', mediaList: { __typename?: 'MediaConnection', totalCount: number, nodes: Array<{ __typename?: 'Media', id: string, name: string, kind?: MediaKind | null, contentType: string, size: number, status?: MediaStatus | null, tags: Array<string>, createdAt: string, url?: string | null, thumbnailUrl?: string | null, jobId?: string | null }> } };

export type DeleteMediaMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type DeleteMediaMutation = { __typename?: 'Mutation', deleteMedia: string };

export type CreateUploadMutationVariables = Exact<{
  input: CreateUploadInput;
}>;


export type CreateUploadMutation = { __typename?: 'Mutation', createUpload: { __typename?: 'UploadTicket', url?: string | null, method: string, media: { __typename?: 'Media', id: string }, headers: Array<{ __typename?: 'Header', name: string, value: string }> } };

export type FinalizeUploadMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type FinalizeUploadMutation = { __typename?: 'Mutation', finalizeUpload: { __typename?: 'Media', id: string, name: string, status?: MediaStatus | null, kind?: MediaKind | null } };

export type UploadPartUrlsMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  parts: Array<UploadPartInput> | UploadPartInput;
}>;


export type UploadPartUrlsMutation = { __typename?: 'Mutation', uploadPartUrls: Array<{ __typename?: 'UploadPartUrl', number: number, url: string, method: string, headers: Array<{ __typename?: 'Header', name: string, value: string }> }> };

export type UploadPartsQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type UploadPartsQuery = { __typename?: 'Query', uploadParts: { __typename?: 'UploadProgress', partSize: number, partCount: number, missing: Array<number> } };

export type CompleteUploadMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type CompleteUploadMutation = { __typename?: 'Mutation', completeUpload: { __typename?: 'Media', id: string, name: string, status?: MediaStatus | null, kind?: MediaKind | null } };

export type CreateMultipartUploadMutationVariables = Exact<{
  input: CreateUploadInput;
}>;


export type CreateMultipartUploadMutation = { __typename?: 'Mutation', createUpload: { __typename?: 'UploadTicket', media: { __typename?: 'Media', id: string }, multipart?: { __typename?: 'MultipartUpload', partSize: number, partCount: number } | null } };

export type EditModelQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type EditModelQuery = { __typename?: 'Query', model: { __typename?: 'Model', id: string, slug?: string | null, name: string, description: string, tags: Array<string>, container: string, command: string, machineType: string, timeoutSeconds: number, args: unknown, editable: boolean, outputs: Array<{ __typename?: 'ModelOutput', pattern: string, contentType: string }>, versions: { __typename?: 'ModelVersionConnection', nodes: Array<{ __typename?: 'ModelVersion', id: string, version: number, command: string, machineType: string, createdAt: string }> } } };

export type MachineTypesQueryVariables = Exact<{ [key: string]: never; }>;


export type MachineTypesQuery = { __typename?: 'Query', cluster: { __typename?: 'Cluster', machineTypes: Array<{ __typename?: 'MachineType', name: string, capacity: number }> } };

export type CreateModelMutationVariables = Exact<{
  input: CreateModelInput;
}>;


export type CreateModelMutation = { __typename?: 'Mutation', createModel: { __typename?: 'Model', id: string, slug?: string | null, name: string } };

export type UpdateModelMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  input: UpdateModelInput;
}>;


export type UpdateModelMutation = { __typename?: 'Mutation', updateModel: { __typename?: 'Model', id: string, name: string, latestVersion: { __typename?: 'ModelVersion', version: number } } };

export type ModelsQueryVariables = Exact<{
  filter?: InputMaybe<ModelFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type ModelsQuery = { __typename?: 'Query', models: { __typename?: 'ModelConnection', totalCount: number, nodes: Array<{ __typename?: 'Model', id: string, slug?: string | null, name: string, description: string, tags: Array<string>, builtin: boolean, editable: boolean, machineType: string, classification: ModelClassification }> } };

export type RunModelQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type RunModelQuery = { __typename?: 'Query', model: { __typename?: 'Model', id: string, slug?: string | null, name: string, description: string, args: unknown, machineType: string, expectedRuntimeSeconds?: number | null, result?: unknown | null }, mediaList: { __typename?: 'MediaConnection', nodes: Array<{ __typename?: 'Media', id: string, name: string, kind?: MediaKind | null }> } };

export type CreateDeploymentMutationVariables = Exact<{
  input: CreateDeploymentInput;
}>;


export type CreateDeploymentMutation = { __typename?: 'Mutation', createDeployment: { __typename?: 'Deployment', id: string, job?: { __typename?: 'Job', id: string, status?: JobStatus | null, queuePosition?: number | null, estimatedStartAt?: string | null } | null } };

export type TeamsQueryVariables = Exact<{ [key: string]: never; }>;


export type TeamsQuery = { __typename?: 'Query', teams: Array<{ __typename?: 'Membership', role: Role, team?: { __typename?: 'Team', id: string, name: string, myRole?: Role | null, members: Array<{ __typename?: 'Membership', role: Role, email?: string | null, joinedAt: string, user?: { __typename?: 'User', id: string, name: string } | null }> } | null }> };

export type PendingInvitesQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type PendingInvitesQuery = { __typename?: 'Query', team: { __typename?: 'Team', id: string, pendingInvites: Array<{ __typename?: 'Invite', id: string, email: string, role: Role, expiresAt: string }> } };

export type CreateTeamMutationVariables = Exact<{
  name: Scalars['String']['input'];
}>;


export type CreateTeamMutation = { __typename?: 'Mutation', createTeam: { __typename?: 'Team', id: string } };

export type InviteMemberMutationVariables = Exact<{
  teamId: Scalars['ID']['input'];
  email: Scalars['String']['input'];
  role: Role;
}>;


export type InviteMemberMutation = { __typename?: 'Mutation', inviteMember: { __typename?: 'InvitePayload', id: string, token?: string | null } };

export type AcceptInviteMutationVariables = Exact<{
  token: Scalars['String']['input'];
}>;


export type AcceptInviteMutation = { __typename?: 'Mutation', acceptInvite: { __typename?: 'Team', id: string, name: string } };

export type RevokeInviteMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type RevokeInviteMutation = { __typename?: 'Mutation', revokeInvite: boolean };

export type ChangeMemberRoleMutationVariables = Exact<{
  teamId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
  role: Role;
}>;


export type ChangeMemberRoleMutation = { __typename?: 'Mutation', changeMemberRole: { __typename?: 'Membership', role: Role } };

export type RemoveMemberMutationVariables = Exact<{
  teamId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
}>;


export type RemoveMemberMutation = { __typename?: 'Mutation', removeMember: { __typename?: 'Team', id: string } };

export type LeaveTeamMutationVariables = Exact<{
  teamId: Scalars['ID']['input'];
}>;


export type LeaveTeamMutation = { __typename?: 'Mutation', leaveTeam: boolean };

export type CreateTeamTokenMutationVariables = Exact<{
  teamId: Scalars['ID']['input'];
}>;


export type CreateTeamTokenMutation = { __typename?: 'Mutation', createTeamToken: { __typename?: 'AuthPayload', token: string } };

export type UsageQueryVariables = Exact<{ [key: string]: never; }>;


export type UsageQuery = { __typename?: 'Query', usage: { __typename?: 'Usage', period: string, currency: string, warnings: Array<string>, total: { __typename?: 'Money', formatted: string, amount: number }, byModel: Array<{ __typename?: 'JobUsage', name: string, machineSeconds: number, attempts: number, amount: { __typename?: 'Money', amount: number, formatted: string } }>, byMachineType: Array<{ __typename?: 'JobUsage', name: string, machineSeconds: number, amount: { __typename?: 'Money', amount: number, formatted: string } }>, budget?: { __typename?: 'BudgetStatus', hard: boolean, exceeded: boolean, monthlyLimit: { __typename?: 'Money', formatted: string }, spent: { __typename?: 'Money', formatted: string }, remaining: { __typename?: 'Money', formatted: string } } | null }, uploadQuota: { __typename?: 'UploadQuota', storageBytes: number, storedBytes: number, pendingUploads: number, maxPendingUploads: number, activeUploads: number, maxConcurrentUploads: number }, invoices: { __typename?: 'InvoiceConnection', nodes: Array<{ __typename?: 'Invoice', id: string, period: string, total: { __typename?: 'Money', formatted: string } }> } };


export const ClusterDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Cluster"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cluster"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"drivers"}},{"kind":"Field","name":{"kind":"Name","value":"sandboxes"}},{"kind":"Field","name":{"kind":"Name","value":"machineTypes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}},{"kind":"Field","name":{"kind":"Name","value":"busy"}},{"kind":"Field","name":{"kind":"Name","value":"queued"}},{"kind":"Field","name":{"kind":"Name","value":"workers"}}]}},{"kind":"Field","name":{"kind":"Name","value":"runtimes"}},{"kind":"Field","name":{"kind":"Name","value":"catalogue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"machineType"}},{"kind":"Field","name":{"kind":"Name","value":"runtime"}},{"kind":"Field","name":{"kind":"Name","value":"runnable"}},{"kind":"Field","name":{"kind":"Name","value":"hint"}}]}},{"kind":"Field","name":{"kind":"Name","value":"workers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"hostname"}},{"kind":"Field","name":{"kind":"Name","value":"driver"}},{"kind":"Field","name":{"kind":"Name","value":"busy"}},{"kind":"Field","name":{"kind":"Name","value":"alive"}},{"kind":"Field","name":{"kind":"Name","value":"lastHeartbeatAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"agents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"site"}},{"kind":"Field","name":{"kind":"Name","value":"machineTypes"}},{"kind":"Field","name":{"kind":"Name","value":"slots"}},{"kind":"Field","name":{"kind":"Name","value":"runningJobs"}},{"kind":"Field","name":{"kind":"Name","value":"workers"}},{"kind":"Field","name":{"kind":"Name","value":"lastSeenAt"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]}}]} as unknown as DocumentNode<ClusterQuery, ClusterQueryVariables>;
export const JobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Job"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"job"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"queuePosition"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedStartAt"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"machineType"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cost"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"deployment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"args"}},{"kind":"Field","name":{"kind":"Name","value":"model"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnailUrl"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}}]}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"logs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"limit"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lines"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"line"}},{"kind":"Field","name":{"kind":"Name","value":"stream"}}]}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<JobQuery, JobQueryVariables>;
export const JobUpdatedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"JobUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"queuePosition"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedStartAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnailUrl"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}}]}},{"kind":"Field","name":{"kind":"Name","value":"result"}}]}}]}}]} as unknown as DocumentNode<JobUpdatedSubscription, JobUpdatedSubscriptionVariables>;
export const JobLogsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"JobLogs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobLogs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"line"}},{"kind":"Field","name":{"kind":"Name","value":"stream"}}]}}]}}]} as unknown as DocumentNode<JobLogsSubscription, JobLogsSubscriptionVariables>;
export const CancelJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CancelJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"cancelRequested"}}]}}]}}]} as unknown as DocumentNode<CancelJobMutation, CancelJobMutationVariables>;
export const RetryJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RetryJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<RetryJobMutation, RetryJobMutationVariables>;
export const JobsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Jobs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"machineType"}},{"kind":"Field","name":{"kind":"Name","value":"queuePosition"}},{"kind":"Field","name":{"kind":"Name","value":"deployment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"model"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<JobsQuery, JobsQueryVariables>;
export const MyJobsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"MyJobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"myJobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"queuePosition"}}]}}]}}]} as unknown as DocumentNode<MyJobsSubscription, MyJobsSubscriptionVariables>;
export const ApiKeysDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ApiKeys"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiKeys"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"prefix"}},{"kind":"Field","name":{"kind":"Name","value":"ownerKind"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]}}]} as unknown as DocumentNode<ApiKeysQuery, ApiKeysQueryVariables>;
export const CreateApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateApiKeyInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"apiKey"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeApiKey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeApiKey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]} as unknown as DocumentNode<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const MediaDetailsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MediaDetails"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"media"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"failure"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnailUrl"}},{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"metadata"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"width"}},{"kind":"Field","name":{"kind":"Name","value":"height"}},{"kind":"Field","name":{"kind":"Name","value":"durationSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"videoCodec"}},{"kind":"Field","name":{"kind":"Name","value":"audioCodec"}},{"kind":"Field","name":{"kind":"Name","value":"bitrate"}},{"kind":"Field","name":{"kind":"Name","value":"frameRate"}},{"kind":"Field","name":{"kind":"Name","value":"format"}}]}},{"kind":"Field","name":{"kind":"Name","value":"job"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"deployment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"model"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<MediaDetailsQuery, MediaDetailsQueryVariables>;
export const UpdateMediaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateMedia"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateMediaInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateMedia"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}}]}}]}}]} as unknown as DocumentNode<UpdateMediaMutation, UpdateMediaMutationVariables>;
export const MediaListDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MediaList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"MediaFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mediaList"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnailUrl"}},{"kind":"Field","name":{"kind":"Name","value":"jobId"}}]}}]}}]}}]} as unknown as DocumentNode<MediaListQuery, MediaListQueryVariables>;
export const DeleteMediaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteMedia"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteMedia"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DeleteMediaMutation, DeleteMediaMutationVariables>;
export const CreateUploadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateUpload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateUploadInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"headers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]} as unknown as DocumentNode<CreateUploadMutation, CreateUploadMutationVariables>;
export const FinalizeUploadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"FinalizeUpload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"finalizeUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]}}]} as unknown as DocumentNode<FinalizeUploadMutation, FinalizeUploadMutationVariables>;
export const UploadPartUrlsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UploadPartUrls"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"parts"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UploadPartInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uploadPartUrls"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"parts"},"value":{"kind":"Variable","name":{"kind":"Name","value":"parts"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"headers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}}]}}]}}]} as unknown as DocumentNode<UploadPartUrlsMutation, UploadPartUrlsMutationVariables>;
export const UploadPartsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UploadParts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uploadParts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"partSize"}},{"kind":"Field","name":{"kind":"Name","value":"partCount"}},{"kind":"Field","name":{"kind":"Name","value":"missing"}}]}}]}}]} as unknown as DocumentNode<UploadPartsQuery, UploadPartsQueryVariables>;
export const CompleteUploadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CompleteUpload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"completeUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]}}]} as unknown as DocumentNode<CompleteUploadMutation, CompleteUploadMutationVariables>;
export const CreateMultipartUploadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateMultipartUpload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateUploadInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"multipart"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"partSize"}},{"kind":"Field","name":{"kind":"Name","value":"partCount"}}]}}]}}]}}]} as unknown as DocumentNode<CreateMultipartUploadMutation, CreateMultipartUploadMutationVariables>;
export const EditModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"EditModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"container"}},{"kind":"Field","name":{"kind":"Name","value":"command"}},{"kind":"Field","name":{"kind":"Name","value":"machineType"}},{"kind":"Field","name":{"kind":"Name","value":"timeoutSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"args"}},{"kind":"Field","name":{"kind":"Name","value":"editable"}},{"kind":"Field","name":{"kind":"Name","value":"outputs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pattern"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}}]}},{"kind":"Field","name":{"kind":"Name","value":"versions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"command"}},{"kind":"Field","name":{"kind":"Name","value":"machineType"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<EditModelQuery, EditModelQueryVariables>;
export const MachineTypesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MachineTypes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cluster"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"machineTypes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"capacity"}}]}}]}}]}}]} as unknown as DocumentNode<MachineTypesQuery, MachineTypesQueryVariables>;
export const CreateModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateModelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<CreateModelMutation, CreateModelMutationVariables>;
export const UpdateModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateModelInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateModel"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"latestVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]}}]} as unknown as DocumentNode<UpdateModelMutation, UpdateModelMutationVariables>;
export const ModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Models"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ModelFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"tags"}},{"kind":"Field","name":{"kind":"Name","value":"builtin"}},{"kind":"Field","name":{"kind":"Name","value":"editable"}},{"kind":"Field","name":{"kind":"Name","value":"machineType"}},{"kind":"Field","name":{"kind":"Name","value":"classification"}}]}}]}}]}}]} as unknown as DocumentNode<ModelsQuery, ModelsQueryVariables>;
export const RunModelDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RunModel"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"model"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"args"}},{"kind":"Field","name":{"kind":"Name","value":"machineType"}},{"kind":"Field","name":{"kind":"Name","value":"expectedRuntimeSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"result"}}]}},{"kind":"Field","name":{"kind":"Name","value":"mediaList"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"status"},"value":{"kind":"EnumValue","value":"LIVE"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]}}]}}]} as unknown as DocumentNode<RunModelQuery, RunModelQueryVariables>;
export const CreateDeploymentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateDeployment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateDeploymentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createDeployment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"job"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"queuePosition"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedStartAt"}}]}}]}}]}}]} as unknown as DocumentNode<CreateDeploymentMutation, CreateDeploymentMutationVariables>;
export const TeamsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Teams"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"teams"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"team"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"myRole"}},{"kind":"Field","name":{"kind":"Name","value":"members"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"joinedAt"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<TeamsQuery, TeamsQueryVariables>;
export const PendingInvitesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PendingInvites"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"team"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"pendingInvites"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]}}]} as unknown as DocumentNode<PendingInvitesQuery, PendingInvitesQueryVariables>;
export const CreateTeamDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateTeam"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createTeam"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<CreateTeamMutation, CreateTeamMutationVariables>;
export const InviteMemberDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"InviteMember"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"email"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"role"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Role"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"inviteMember"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"teamId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}}},{"kind":"Argument","name":{"kind":"Name","value":"email"},"value":{"kind":"Variable","name":{"kind":"Name","value":"email"}}},{"kind":"Argument","name":{"kind":"Name","value":"role"},"value":{"kind":"Variable","name":{"kind":"Name","value":"role"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"token"}}]}}]}}]} as unknown as DocumentNode<InviteMemberMutation, InviteMemberMutationVariables>;
export const AcceptInviteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AcceptInvite"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"token"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"acceptInvite"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"token"},"value":{"kind":"Variable","name":{"kind":"Name","value":"token"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]} as unknown as DocumentNode<AcceptInviteMutation, AcceptInviteMutationVariables>;
export const RevokeInviteDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeInvite"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeInvite"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<RevokeInviteMutation, RevokeInviteMutationVariables>;
export const ChangeMemberRoleDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ChangeMemberRole"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"role"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Role"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changeMemberRole"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"teamId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}}},{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}},{"kind":"Argument","name":{"kind":"Name","value":"role"},"value":{"kind":"Variable","name":{"kind":"Name","value":"role"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]}}]} as unknown as DocumentNode<ChangeMemberRoleMutation, ChangeMemberRoleMutationVariables>;
export const RemoveMemberDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RemoveMember"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"userId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removeMember"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"teamId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}}},{"kind":"Argument","name":{"kind":"Name","value":"userId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"userId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<RemoveMemberMutation, RemoveMemberMutationVariables>;
export const LeaveTeamDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"LeaveTeam"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"leaveTeam"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"teamId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}}}]}]}}]} as unknown as DocumentNode<LeaveTeamMutation, LeaveTeamMutationVariables>;
export const CreateTeamTokenDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateTeamToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createTeamToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"teamId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"teamId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"token"}}]}}]}}]} as unknown as DocumentNode<CreateTeamTokenMutation, CreateTeamTokenMutationVariables>;
export const UsageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"usage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"byModel"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"machineSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"byMachineType"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"machineSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"amount"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"budget"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"monthlyLimit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"spent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"remaining"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hard"}},{"kind":"Field","name":{"kind":"Name","value":"exceeded"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"uploadQuota"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storageBytes"}},{"kind":"Field","name":{"kind":"Name","value":"storedBytes"}},{"kind":"Field","name":{"kind":"Name","value":"pendingUploads"}},{"kind":"Field","name":{"kind":"Name","value":"maxPendingUploads"}},{"kind":"Field","name":{"kind":"Name","value":"activeUploads"}},{"kind":"Field","name":{"kind":"Name","value":"maxConcurrentUploads"}}]}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"12"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"period"}},{"kind":"Field","name":{"kind":"Name","value":"total"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"formatted"}}]}}]}}]}}]}}]} as unknown as DocumentNode<UsageQuery, UsageQueryVariables>;
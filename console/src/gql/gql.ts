/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Cluster {\n    cluster {\n      drivers sandboxes\n      machineTypes { name capacity busy queued workers }\n      runtimes\n      catalogue { slug machineType runtime runnable hint }\n      workers { id hostname driver busy alive lastHeartbeatAt }\n      agents { name site machineTypes slots runningJobs workers lastSeenAt version revokedAt }\n    }\n  }\n": typeof types.ClusterDocument,
    "\n  query Job($id: ID!) {\n    job(id: $id) {\n      id status progress message queuePosition estimatedStartAt attempts machineType createdAt startedAt finishedAt\n      error { code message }\n      cost { formatted }\n      deployment { name args model { name } }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n      logs(limit: 500) { lines { cursor line stream } endCursor }\n    }\n  }\n": typeof types.JobDocument,
    "\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      id status progress message queuePosition estimatedStartAt\n      error { code message }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n    }\n  }\n": typeof types.JobUpdatedDocument,
    "\n  subscription JobLogs($id: ID!, $after: String) {\n    jobLogs(id: $id, after: $after) { cursor line stream }\n  }\n": typeof types.JobLogsDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) { id status cancelRequested }\n  }\n": typeof types.CancelJobDocument,
    "\n  mutation RetryJob($id: ID!) {\n    retryJob(id: $id) { id status }\n  }\n": typeof types.RetryJobDocument,
    "\n  query Jobs($first: Int) {\n    jobs(first: $first) {\n      totalCount\n      nodes { id status progress message createdAt machineType queuePosition deployment { name model { name } } }\n    }\n  }\n": typeof types.JobsDocument,
    "\n  subscription MyJobs {\n    myJobs { id status progress message queuePosition }\n  }\n": typeof types.MyJobsDocument,
    "\n  query ApiKeys($first: Int) {\n    apiKeys(first: $first) {\n      nodes { id name prefix ownerKind scopes createdAt lastUsedAt expiresAt revokedAt }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) { secret apiKey { id name } }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query MediaDetails($id: ID!) {\n    media(id: $id) {\n      id name kind contentType size sha256 status failure tags createdAt url thumbnailUrl jobId\n      metadata { width height durationSeconds videoCodec audioCodec bitrate frameRate format }\n      job { id status deployment { name model { name } } }\n    }\n  }\n": typeof types.MediaDetailsDocument,
    "\n  mutation UpdateMedia($id: ID!, $input: UpdateMediaInput!) {\n    updateMedia(id: $id, input: $input) { id name tags }\n  }\n": typeof types.UpdateMediaDocument,
    "\n  query MediaList($filter: MediaFilter, $first: Int) {\n    mediaList(filter: $filter, first: $first) {\n      totalCount\n      nodes { id name kind contentType size status tags createdAt url thumbnailUrl jobId }\n    }\n  }\n": typeof types.MediaListDocument,
    "\n  mutation DeleteMedia($id: ID!) {\n    deleteMedia(id: $id)\n  }\n": typeof types.DeleteMediaDocument,
    "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      url\n      method\n      headers { name value }\n    }\n  }\n": typeof types.CreateUploadDocument,
    "\n  mutation FinalizeUpload($id: ID!) {\n    finalizeUpload(id: $id) { id name status kind }\n  }\n": typeof types.FinalizeUploadDocument,
    "\n  mutation UploadPartUrls($id: ID!, $parts: [UploadPartInput!]!) {\n    uploadPartUrls(id: $id, parts: $parts) { number url method headers { name value } }\n  }\n": typeof types.UploadPartUrlsDocument,
    "\n  query UploadParts($id: ID!) {\n    uploadParts(id: $id) { partSize partCount missing }\n  }\n": typeof types.UploadPartsDocument,
    "\n  mutation CompleteUpload($id: ID!) {\n    completeUpload(id: $id) { id name status kind }\n  }\n": typeof types.CompleteUploadDocument,
    "\n  mutation CreateMultipartUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      multipart { partSize partCount }\n    }\n  }\n": typeof types.CreateMultipartUploadDocument,
    "\n  query EditModel($id: ID!) {\n    model(id: $id) {\n      id slug name description tags container command machineType timeoutSeconds args editable\n      outputs { pattern contentType }\n      versions(first: 20) { nodes { id version command machineType createdAt } }\n    }\n  }\n": typeof types.EditModelDocument,
    "\n  query MachineTypes {\n    cluster { machineTypes { name capacity } }\n  }\n": typeof types.MachineTypesDocument,
    "\n  mutation CreateModel($input: CreateModelInput!) {\n    createModel(input: $input) { id slug name }\n  }\n": typeof types.CreateModelDocument,
    "\n  mutation UpdateModel($id: ID!, $input: UpdateModelInput!) {\n    updateModel(id: $id, input: $input) { id name latestVersion { version } }\n  }\n": typeof types.UpdateModelDocument,
    "\n  query Models($filter: ModelFilter, $first: Int) {\n    models(filter: $filter, first: $first) {\n      totalCount\n      nodes { id slug name description tags builtin editable machineType classification }\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  query RunModel($id: ID!) {\n    model(id: $id) { id slug name description args machineType expectedRuntimeSeconds result }\n    mediaList(first: 100, filter: { status: LIVE }) { nodes { id name kind } }\n  }\n": typeof types.RunModelDocument,
    "\n  mutation CreateDeployment($input: CreateDeploymentInput!) {\n    createDeployment(input: $input) {\n      id\n      job { id status queuePosition estimatedStartAt }\n    }\n  }\n": typeof types.CreateDeploymentDocument,
    "\n  query Teams {\n    teams {\n      role\n      team {\n        id name myRole\n        members { role email joinedAt user { id name } }\n      }\n    }\n  }\n": typeof types.TeamsDocument,
    "\n  query PendingInvites($id: ID!) {\n    team(id: $id) { id pendingInvites { id email role expiresAt } }\n  }\n": typeof types.PendingInvitesDocument,
    "mutation CreateTeam($name: String!) { createTeam(name: $name) { id } }": typeof types.CreateTeamDocument,
    "\n  mutation InviteMember($teamId: ID!, $email: String!, $role: Role!) {\n    inviteMember(teamId: $teamId, email: $email, role: $role) { id token }\n  }\n": typeof types.InviteMemberDocument,
    "mutation AcceptInvite($token: String!) { acceptInvite(token: $token) { id name } }": typeof types.AcceptInviteDocument,
    "mutation RevokeInvite($id: ID!) { revokeInvite(id: $id) }": typeof types.RevokeInviteDocument,
    "\n  mutation ChangeMemberRole($teamId: ID!, $userId: ID!, $role: Role!) {\n    changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role }\n  }\n": typeof types.ChangeMemberRoleDocument,
    "mutation RemoveMember($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) { id } }": typeof types.RemoveMemberDocument,
    "mutation LeaveTeam($teamId: ID!) { leaveTeam(teamId: $teamId) }": typeof types.LeaveTeamDocument,
    "mutation CreateTeamToken($teamId: ID!) { createTeamToken(teamId: $teamId) { token } }": typeof types.CreateTeamTokenDocument,
    "\n  query Usage {\n    usage {\n      period currency warnings\n      total { formatted amount }\n      byModel { name machineSeconds attempts amount { amount formatted } }\n      byMachineType { name machineSeconds amount { amount formatted } }\n      budget { monthlyLimit { formatted } spent { formatted } remaining { formatted } hard exceeded }\n    }\n    uploadQuota { storageBytes storedBytes pendingUploads maxPendingUploads activeUploads maxConcurrentUploads }\n    invoices(first: 12) { nodes { id period total { formatted } } }\n  }\n": typeof types.UsageDocument,
};
const documents: Documents = {
    "\n  query Cluster {\n    cluster {\n      drivers sandboxes\n      machineTypes { name capacity busy queued workers }\n      runtimes\n      catalogue { slug machineType runtime runnable hint }\n      workers { id hostname driver busy alive lastHeartbeatAt }\n      agents { name site machineTypes slots runningJobs workers lastSeenAt version revokedAt }\n    }\n  }\n": types.ClusterDocument,
    "\n  query Job($id: ID!) {\n    job(id: $id) {\n      id status progress message queuePosition estimatedStartAt attempts machineType createdAt startedAt finishedAt\n      error { code message }\n      cost { formatted }\n      deployment { name args model { name } }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n      logs(limit: 500) { lines { cursor line stream } endCursor }\n    }\n  }\n": types.JobDocument,
    "\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      id status progress message queuePosition estimatedStartAt\n      error { code message }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n    }\n  }\n": types.JobUpdatedDocument,
    "\n  subscription JobLogs($id: ID!, $after: String) {\n    jobLogs(id: $id, after: $after) { cursor line stream }\n  }\n": types.JobLogsDocument,
    "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) { id status cancelRequested }\n  }\n": types.CancelJobDocument,
    "\n  mutation RetryJob($id: ID!) {\n    retryJob(id: $id) { id status }\n  }\n": types.RetryJobDocument,
    "\n  query Jobs($first: Int) {\n    jobs(first: $first) {\n      totalCount\n      nodes { id status progress message createdAt machineType queuePosition deployment { name model { name } } }\n    }\n  }\n": types.JobsDocument,
    "\n  subscription MyJobs {\n    myJobs { id status progress message queuePosition }\n  }\n": types.MyJobsDocument,
    "\n  query ApiKeys($first: Int) {\n    apiKeys(first: $first) {\n      nodes { id name prefix ownerKind scopes createdAt lastUsedAt expiresAt revokedAt }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) { secret apiKey { id name } }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query MediaDetails($id: ID!) {\n    media(id: $id) {\n      id name kind contentType size sha256 status failure tags createdAt url thumbnailUrl jobId\n      metadata { width height durationSeconds videoCodec audioCodec bitrate frameRate format }\n      job { id status deployment { name model { name } } }\n    }\n  }\n": types.MediaDetailsDocument,
    "\n  mutation UpdateMedia($id: ID!, $input: UpdateMediaInput!) {\n    updateMedia(id: $id, input: $input) { id name tags }\n  }\n": types.UpdateMediaDocument,
    "\n  query MediaList($filter: MediaFilter, $first: Int) {\n    mediaList(filter: $filter, first: $first) {\n      totalCount\n      nodes { id name kind contentType size status tags createdAt url thumbnailUrl jobId }\n    }\n  }\n": types.MediaListDocument,
    "\n  mutation DeleteMedia($id: ID!) {\n    deleteMedia(id: $id)\n  }\n": types.DeleteMediaDocument,
    "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      url\n      method\n      headers { name value }\n    }\n  }\n": types.CreateUploadDocument,
    "\n  mutation FinalizeUpload($id: ID!) {\n    finalizeUpload(id: $id) { id name status kind }\n  }\n": types.FinalizeUploadDocument,
    "\n  mutation UploadPartUrls($id: ID!, $parts: [UploadPartInput!]!) {\n    uploadPartUrls(id: $id, parts: $parts) { number url method headers { name value } }\n  }\n": types.UploadPartUrlsDocument,
    "\n  query UploadParts($id: ID!) {\n    uploadParts(id: $id) { partSize partCount missing }\n  }\n": types.UploadPartsDocument,
    "\n  mutation CompleteUpload($id: ID!) {\n    completeUpload(id: $id) { id name status kind }\n  }\n": types.CompleteUploadDocument,
    "\n  mutation CreateMultipartUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      multipart { partSize partCount }\n    }\n  }\n": types.CreateMultipartUploadDocument,
    "\n  query EditModel($id: ID!) {\n    model(id: $id) {\n      id slug name description tags container command machineType timeoutSeconds args editable\n      outputs { pattern contentType }\n      versions(first: 20) { nodes { id version command machineType createdAt } }\n    }\n  }\n": types.EditModelDocument,
    "\n  query MachineTypes {\n    cluster { machineTypes { name capacity } }\n  }\n": types.MachineTypesDocument,
    "\n  mutation CreateModel($input: CreateModelInput!) {\n    createModel(input: $input) { id slug name }\n  }\n": types.CreateModelDocument,
    "\n  mutation UpdateModel($id: ID!, $input: UpdateModelInput!) {\n    updateModel(id: $id, input: $input) { id name latestVersion { version } }\n  }\n": types.UpdateModelDocument,
    "\n  query Models($filter: ModelFilter, $first: Int) {\n    models(filter: $filter, first: $first) {\n      totalCount\n      nodes { id slug name description tags builtin editable machineType classification }\n    }\n  }\n": types.ModelsDocument,
    "\n  query RunModel($id: ID!) {\n    model(id: $id) { id slug name description args machineType expectedRuntimeSeconds result }\n    mediaList(first: 100, filter: { status: LIVE }) { nodes { id name kind } }\n  }\n": types.RunModelDocument,
    "\n  mutation CreateDeployment($input: CreateDeploymentInput!) {\n    createDeployment(input: $input) {\n      id\n      job { id status queuePosition estimatedStartAt }\n    }\n  }\n": types.CreateDeploymentDocument,
    "\n  query Teams {\n    teams {\n      role\n      team {\n        id name myRole\n        members { role email joinedAt user { id name } }\n      }\n    }\n  }\n": types.TeamsDocument,
    "\n  query PendingInvites($id: ID!) {\n    team(id: $id) { id pendingInvites { id email role expiresAt } }\n  }\n": types.PendingInvitesDocument,
    "mutation CreateTeam($name: String!) { createTeam(name: $name) { id } }": types.CreateTeamDocument,
    "\n  mutation InviteMember($teamId: ID!, $email: String!, $role: Role!) {\n    inviteMember(teamId: $teamId, email: $email, role: $role) { id token }\n  }\n": types.InviteMemberDocument,
    "mutation AcceptInvite($token: String!) { acceptInvite(token: $token) { id name } }": types.AcceptInviteDocument,
    "mutation RevokeInvite($id: ID!) { revokeInvite(id: $id) }": types.RevokeInviteDocument,
    "\n  mutation ChangeMemberRole($teamId: ID!, $userId: ID!, $role: Role!) {\n    changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role }\n  }\n": types.ChangeMemberRoleDocument,
    "mutation RemoveMember($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) { id } }": types.RemoveMemberDocument,
    "mutation LeaveTeam($teamId: ID!) { leaveTeam(teamId: $teamId) }": types.LeaveTeamDocument,
    "mutation CreateTeamToken($teamId: ID!) { createTeamToken(teamId: $teamId) { token } }": types.CreateTeamTokenDocument,
    "\n  query Usage {\n    usage {\n      period currency warnings\n      total { formatted amount }\n      byModel { name machineSeconds attempts amount { amount formatted } }\n      byMachineType { name machineSeconds amount { amount formatted } }\n      budget { monthlyLimit { formatted } spent { formatted } remaining { formatted } hard exceeded }\n    }\n    uploadQuota { storageBytes storedBytes pendingUploads maxPendingUploads activeUploads maxConcurrentUploads }\n    invoices(first: 12) { nodes { id period total { formatted } } }\n  }\n": types.UsageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Cluster {\n    cluster {\n      drivers sandboxes\n      machineTypes { name capacity busy queued workers }\n      runtimes\n      catalogue { slug machineType runtime runnable hint }\n      workers { id hostname driver busy alive lastHeartbeatAt }\n      agents { name site machineTypes slots runningJobs workers lastSeenAt version revokedAt }\n    }\n  }\n"): (typeof documents)["\n  query Cluster {\n    cluster {\n      drivers sandboxes\n      machineTypes { name capacity busy queued workers }\n      runtimes\n      catalogue { slug machineType runtime runnable hint }\n      workers { id hostname driver busy alive lastHeartbeatAt }\n      agents { name site machineTypes slots runningJobs workers lastSeenAt version revokedAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Job($id: ID!) {\n    job(id: $id) {\n      id status progress message queuePosition estimatedStartAt attempts machineType createdAt startedAt finishedAt\n      error { code message }\n      cost { formatted }\n      deployment { name args model { name } }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n      logs(limit: 500) { lines { cursor line stream } endCursor }\n    }\n  }\n"): (typeof documents)["\n  query Job($id: ID!) {\n    job(id: $id) {\n      id status progress message queuePosition estimatedStartAt attempts machineType createdAt startedAt finishedAt\n      error { code message }\n      cost { formatted }\n      deployment { name args model { name } }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n      logs(limit: 500) { lines { cursor line stream } endCursor }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      id status progress message queuePosition estimatedStartAt\n      error { code message }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n    }\n  }\n"): (typeof documents)["\n  subscription JobUpdated($id: ID!) {\n    jobUpdated(id: $id) {\n      id status progress message queuePosition estimatedStartAt\n      error { code message }\n      outputs { id name kind url thumbnailUrl contentType }\n      result\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription JobLogs($id: ID!, $after: String) {\n    jobLogs(id: $id, after: $after) { cursor line stream }\n  }\n"): (typeof documents)["\n  subscription JobLogs($id: ID!, $after: String) {\n    jobLogs(id: $id, after: $after) { cursor line stream }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) { id status cancelRequested }\n  }\n"): (typeof documents)["\n  mutation CancelJob($id: ID!) {\n    cancelJob(id: $id) { id status cancelRequested }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryJob($id: ID!) {\n    retryJob(id: $id) { id status }\n  }\n"): (typeof documents)["\n  mutation RetryJob($id: ID!) {\n    retryJob(id: $id) { id status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Jobs($first: Int) {\n    jobs(first: $first) {\n      totalCount\n      nodes { id status progress message createdAt machineType queuePosition deployment { name model { name } } }\n    }\n  }\n"): (typeof documents)["\n  query Jobs($first: Int) {\n    jobs(first: $first) {\n      totalCount\n      nodes { id status progress message createdAt machineType queuePosition deployment { name model { name } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MyJobs {\n    myJobs { id status progress message queuePosition }\n  }\n"): (typeof documents)["\n  subscription MyJobs {\n    myJobs { id status progress message queuePosition }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys($first: Int) {\n    apiKeys(first: $first) {\n      nodes { id name prefix ownerKind scopes createdAt lastUsedAt expiresAt revokedAt }\n    }\n  }\n"): (typeof documents)["\n  query ApiKeys($first: Int) {\n    apiKeys(first: $first) {\n      nodes { id name prefix ownerKind scopes createdAt lastUsedAt expiresAt revokedAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) { secret apiKey { id name } }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) { secret apiKey { id name } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) { id revokedAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MediaDetails($id: ID!) {\n    media(id: $id) {\n      id name kind contentType size sha256 status failure tags createdAt url thumbnailUrl jobId\n      metadata { width height durationSeconds videoCodec audioCodec bitrate frameRate format }\n      job { id status deployment { name model { name } } }\n    }\n  }\n"): (typeof documents)["\n  query MediaDetails($id: ID!) {\n    media(id: $id) {\n      id name kind contentType size sha256 status failure tags createdAt url thumbnailUrl jobId\n      metadata { width height durationSeconds videoCodec audioCodec bitrate frameRate format }\n      job { id status deployment { name model { name } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMedia($id: ID!, $input: UpdateMediaInput!) {\n    updateMedia(id: $id, input: $input) { id name tags }\n  }\n"): (typeof documents)["\n  mutation UpdateMedia($id: ID!, $input: UpdateMediaInput!) {\n    updateMedia(id: $id, input: $input) { id name tags }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MediaList($filter: MediaFilter, $first: Int) {\n    mediaList(filter: $filter, first: $first) {\n      totalCount\n      nodes { id name kind contentType size status tags createdAt url thumbnailUrl jobId }\n    }\n  }\n"): (typeof documents)["\n  query MediaList($filter: MediaFilter, $first: Int) {\n    mediaList(filter: $filter, first: $first) {\n      totalCount\n      nodes { id name kind contentType size status tags createdAt url thumbnailUrl jobId }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMedia($id: ID!) {\n    deleteMedia(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteMedia($id: ID!) {\n    deleteMedia(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      url\n      method\n      headers { name value }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      url\n      method\n      headers { name value }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinalizeUpload($id: ID!) {\n    finalizeUpload(id: $id) { id name status kind }\n  }\n"): (typeof documents)["\n  mutation FinalizeUpload($id: ID!) {\n    finalizeUpload(id: $id) { id name status kind }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadPartUrls($id: ID!, $parts: [UploadPartInput!]!) {\n    uploadPartUrls(id: $id, parts: $parts) { number url method headers { name value } }\n  }\n"): (typeof documents)["\n  mutation UploadPartUrls($id: ID!, $parts: [UploadPartInput!]!) {\n    uploadPartUrls(id: $id, parts: $parts) { number url method headers { name value } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UploadParts($id: ID!) {\n    uploadParts(id: $id) { partSize partCount missing }\n  }\n"): (typeof documents)["\n  query UploadParts($id: ID!) {\n    uploadParts(id: $id) { partSize partCount missing }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteUpload($id: ID!) {\n    completeUpload(id: $id) { id name status kind }\n  }\n"): (typeof documents)["\n  mutation CompleteUpload($id: ID!) {\n    completeUpload(id: $id) { id name status kind }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateMultipartUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      multipart { partSize partCount }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateMultipartUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      media { id }\n      multipart { partSize partCount }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EditModel($id: ID!) {\n    model(id: $id) {\n      id slug name description tags container command machineType timeoutSeconds args editable\n      outputs { pattern contentType }\n      versions(first: 20) { nodes { id version command machineType createdAt } }\n    }\n  }\n"): (typeof documents)["\n  query EditModel($id: ID!) {\n    model(id: $id) {\n      id slug name description tags container command machineType timeoutSeconds args editable\n      outputs { pattern contentType }\n      versions(first: 20) { nodes { id version command machineType createdAt } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MachineTypes {\n    cluster { machineTypes { name capacity } }\n  }\n"): (typeof documents)["\n  query MachineTypes {\n    cluster { machineTypes { name capacity } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateModel($input: CreateModelInput!) {\n    createModel(input: $input) { id slug name }\n  }\n"): (typeof documents)["\n  mutation CreateModel($input: CreateModelInput!) {\n    createModel(input: $input) { id slug name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateModel($id: ID!, $input: UpdateModelInput!) {\n    updateModel(id: $id, input: $input) { id name latestVersion { version } }\n  }\n"): (typeof documents)["\n  mutation UpdateModel($id: ID!, $input: UpdateModelInput!) {\n    updateModel(id: $id, input: $input) { id name latestVersion { version } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models($filter: ModelFilter, $first: Int) {\n    models(filter: $filter, first: $first) {\n      totalCount\n      nodes { id slug name description tags builtin editable machineType classification }\n    }\n  }\n"): (typeof documents)["\n  query Models($filter: ModelFilter, $first: Int) {\n    models(filter: $filter, first: $first) {\n      totalCount\n      nodes { id slug name description tags builtin editable machineType classification }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunModel($id: ID!) {\n    model(id: $id) { id slug name description args machineType expectedRuntimeSeconds result }\n    mediaList(first: 100, filter: { status: LIVE }) { nodes { id name kind } }\n  }\n"): (typeof documents)["\n  query RunModel($id: ID!) {\n    model(id: $id) { id slug name description args machineType expectedRuntimeSeconds result }\n    mediaList(first: 100, filter: { status: LIVE }) { nodes { id name kind } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDeployment($input: CreateDeploymentInput!) {\n    createDeployment(input: $input) {\n      id\n      job { id status queuePosition estimatedStartAt }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateDeployment($input: CreateDeploymentInput!) {\n    createDeployment(input: $input) {\n      id\n      job { id status queuePosition estimatedStartAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Teams {\n    teams {\n      role\n      team {\n        id name myRole\n        members { role email joinedAt user { id name } }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Teams {\n    teams {\n      role\n      team {\n        id name myRole\n        members { role email joinedAt user { id name } }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PendingInvites($id: ID!) {\n    team(id: $id) { id pendingInvites { id email role expiresAt } }\n  }\n"): (typeof documents)["\n  query PendingInvites($id: ID!) {\n    team(id: $id) { id pendingInvites { id email role expiresAt } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateTeam($name: String!) { createTeam(name: $name) { id } }"): (typeof documents)["mutation CreateTeam($name: String!) { createTeam(name: $name) { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($teamId: ID!, $email: String!, $role: Role!) {\n    inviteMember(teamId: $teamId, email: $email, role: $role) { id token }\n  }\n"): (typeof documents)["\n  mutation InviteMember($teamId: ID!, $email: String!, $role: Role!) {\n    inviteMember(teamId: $teamId, email: $email, role: $role) { id token }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AcceptInvite($token: String!) { acceptInvite(token: $token) { id name } }"): (typeof documents)["mutation AcceptInvite($token: String!) { acceptInvite(token: $token) { id name } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeInvite($id: ID!) { revokeInvite(id: $id) }"): (typeof documents)["mutation RevokeInvite($id: ID!) { revokeInvite(id: $id) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeMemberRole($teamId: ID!, $userId: ID!, $role: Role!) {\n    changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role }\n  }\n"): (typeof documents)["\n  mutation ChangeMemberRole($teamId: ID!, $userId: ID!, $role: Role!) {\n    changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RemoveMember($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) { id } }"): (typeof documents)["mutation RemoveMember($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) { id } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LeaveTeam($teamId: ID!) { leaveTeam(teamId: $teamId) }"): (typeof documents)["mutation LeaveTeam($teamId: ID!) { leaveTeam(teamId: $teamId) }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateTeamToken($teamId: ID!) { createTeamToken(teamId: $teamId) { token } }"): (typeof documents)["mutation CreateTeamToken($teamId: ID!) { createTeamToken(teamId: $teamId) { token } }"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Usage {\n    usage {\n      period currency warnings\n      total { formatted amount }\n      byModel { name machineSeconds attempts amount { amount formatted } }\n      byMachineType { name machineSeconds amount { amount formatted } }\n      budget { monthlyLimit { formatted } spent { formatted } remaining { formatted } hard exceeded }\n    }\n    uploadQuota { storageBytes storedBytes pendingUploads maxPendingUploads activeUploads maxConcurrentUploads }\n    invoices(first: 12) { nodes { id period total { formatted } } }\n  }\n"): (typeof documents)["\n  query Usage {\n    usage {\n      period currency warnings\n      total { formatted amount }\n      byModel { name machineSeconds attempts amount { amount formatted } }\n      byMachineType { name machineSeconds amount { amount formatted } }\n      budget { monthlyLimit { formatted } spent { formatted } remaining { formatted } hard exceeded }\n    }\n    uploadQuota { storageBytes storedBytes pendingUploads maxPendingUploads activeUploads maxConcurrentUploads }\n    invoices(first: 12) { nodes { id period total { formatted } } }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
// Teams: create one, invite people (and see and revoke open invites), accept an invite,
// change roles, remove members, leave, and act as a team (a team token).
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import type { Role } from '../../gql/graphql';
import { useSession, useSignedIn } from '../../session/session';
import { Empty, ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel, Snippet } from '../../ui/OperationPanel';

export const TeamsDocument = graphql(`
  query Teams {
    teams {
      role
      team {
        id name myRole
        members { role email joinedAt user { id name } }
      }
    }
  }
`);

const InvitesDocument = graphql(`
  query PendingInvites($id: ID!) {
    team(id: $id) { id pendingInvites { id email role expiresAt } }
  }
`);

const CreateTeamDocument = graphql(`mutation CreateTeam($name: String!) { createTeam(name: $name) { id } }`);
const InviteDocument = graphql(`
  mutation InviteMember($teamId: ID!, $email: String!, $role: Role!) {
    inviteMember(teamId: $teamId, email: $email, role: $role) { id token }
  }
`);
const AcceptDocument = graphql(`mutation AcceptInvite($token: String!) { acceptInvite(token: $token) { id name } }`);
const RevokeInviteDocument = graphql(`mutation RevokeInvite($id: ID!) { revokeInvite(id: $id) }`);
const ChangeRoleDocument = graphql(`
  mutation ChangeMemberRole($teamId: ID!, $userId: ID!, $role: Role!) {
    changeMemberRole(teamId: $teamId, userId: $userId, role: $role) { role }
  }
`);
const RemoveDocument = graphql(`mutation RemoveMember($teamId: ID!, $userId: ID!) { removeMember(teamId: $teamId, userId: $userId) { id } }`);
const LeaveDocument = graphql(`mutation LeaveTeam($teamId: ID!) { leaveTeam(teamId: $teamId) }`);
const TeamTokenDocument = graphql(`mutation CreateTeamToken($teamId: ID!) { createTeamToken(teamId: $teamId) { token } }`);

const ROLES: Role[] = ['MEMBER', 'ADMIN', 'OWNER'];

export function TeamsPage() {
  const session = useSignedIn();
  const [teams, refresh] = useQuery({ query: TeamsDocument });
  const [created, createTeam] = useMutation(CreateTeamDocument);
  const [accepted, accept] = useMutation(AcceptDocument);
  const [name, setName] = useState('');
  const [token, setToken] = useState('');
  const reload = () => refresh({ requestPolicy: 'network-only' });

  if (session.acting.kind === 'TEAM') {
    return (
      <main>
        <h1>Teams</h1>
        <p>You are acting as team {session.acting.name}. Go back to yourself (top right) to manage teams.</p>
      </main>
    );
  }
  return (
    <main>
      <h1>Teams</h1>
      <div className="columns">
        <form
          className="inline"
          aria-label="Create a team"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void createTeam({ name }).then((r) => r.data && (setName(''), reload()));
          }}
        >
          <label>
            Team name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <button type="submit" className="primary">
            Create team
          </button>
        </form>
        <form
          className="inline"
          aria-label="Accept an invite"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            void accept({ token: token.trim() }).then((r) => r.data && (setToken(''), reload()));
          }}
        >
          <label>
            Invite token
            <input value={token} onChange={(e) => setToken(e.target.value)} required />
          </label>
          <button type="submit">Accept invite</button>
        </form>
      </div>
      <ErrorNote error={created.error ?? accepted.error} />
      {teams.fetching && !teams.data && <Loading what="teams" />}
      <ErrorNote error={teams.error} />
      {teams.data && teams.data.teams.length === 0 && <Empty>You are in no team yet.</Empty>}
      {teams.data?.teams.map((m) => m.team && <TeamCard key={m.team.id} team={m.team} me={session.user.id} onChange={reload} />)}
      <OperationPanel document={TeamsDocument} name="Teams" />
    </main>
  );
}

interface TeamData {
  id: string;
  name: string;
  myRole?: Role | null;
  members: { role: Role; email?: string | null; user?: { id: string; name: string } | null }[];
}

function TeamCard({ team, me, onChange }: { team: TeamData; me: string; onChange: () => void }) {
  const { actAs } = useSession();
  const admin = team.myRole === 'ADMIN' || team.myRole === 'OWNER';
  const [invites, refreshInvites] = useQuery({ query: InvitesDocument, variables: { id: team.id }, pause: !admin });
  const [invited, invite] = useMutation(InviteDocument);
  const [, revokeInvite] = useMutation(RevokeInviteDocument);
  const [changed, changeRole] = useMutation(ChangeRoleDocument);
  const [removed, remove] = useMutation(RemoveDocument);
  const [left, leave] = useMutation(LeaveDocument);
  const [tokened, teamToken] = useMutation(TeamTokenDocument);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const [inviteToken, setInviteToken] = useState<string | null>(null);
  const after = () => {
    onChange();
    if (admin) refreshInvites({ requestPolicy: 'network-only' });
  };
  return (
    <section className="card team" aria-labelledby={`team-${team.id}`}>
      <h2 id={`team-${team.id}`}>
        {team.name} <span className="muted">({team.myRole?.toLowerCase()})</span>
      </h2>
      <p className="actions">
        <button
          type="button"
          onClick={() =>
            void teamToken({ teamId: team.id }).then((r) => {
              const token = r.data?.createTeamToken.token;
              if (token) actAs(token, { kind: 'TEAM', id: team.id, name: team.name });
            })
          }
        >
          Act as {team.name}
        </button>
        <button type="button" onClick={() => void leave({ teamId: team.id }).then((r) => r.data && onChange())}>
          Leave {team.name}
        </button>
      </p>
      <ErrorNote error={tokened.error ?? left.error ?? changed.error ?? removed.error} />
      <table tabIndex={0}>
        <caption>Members of {team.name}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {team.members.map((member) => {
            const who = member.user?.name ?? member.email ?? 'someone';
            return (
              <tr key={member.user?.id ?? member.email}>
                <td>{who}</td>
                <td>{member.email}</td>
                <td>
                  {admin && member.user ? (
                    <select
                      aria-label={`Role of ${who}`}
                      value={member.role}
                      onChange={(e) => void changeRole({ teamId: team.id, userId: member.user!.id, role: e.target.value as Role }).then(after)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r.toLowerCase()}
                        </option>
                      ))}
                    </select>
                  ) : (
                    member.role.toLowerCase()
                  )}
                </td>
                <td>
                  {admin && member.user && member.user.id !== me && (
                    <button type="button" onClick={() => void remove({ teamId: team.id, userId: member.user!.id }).then(after)}>
                      Remove {who}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {admin && (
        <>
          <form
            className="inline"
            aria-label={`Invite to ${team.name}`}
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              void invite({ teamId: team.id, email, role }).then((r) => {
                const token = r.data?.inviteMember.token;
                if (token) {
                  setInviteToken(token);
                  setEmail('');
                  after();
                }
              });
            }}
          >
            <label>
              Invite email
              <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
            </label>
            <label>
              As
              <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
                <option value="MEMBER">member</option>
                <option value="ADMIN">admin</option>
              </select>
            </label>
            <button type="submit">Invite</button>
          </form>
          <ErrorNote error={invited.error} />
          {inviteToken && (
            <div className="secret" role="status">
              <p>Hand this invite token to the invitee (shown once):</p>
              <Snippet label="invite token" text={inviteToken} />
            </div>
          )}
          <h3>Open invites</h3>
          {invites.data && invites.data.team.pendingInvites.length === 0 && <p className="empty">No open invites.</p>}
          <ul aria-label={`Open invites of ${team.name}`}>
            {invites.data?.team.pendingInvites.map((i) => (
              <li key={i.id}>
                {i.email} as {i.role.toLowerCase()}, until {new Date(i.expiresAt).toLocaleDateString()}{' '}
                <button type="button" onClick={() => void revokeInvite({ id: i.id }).then(after)}>
                  Revoke invite for {i.email}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

//! Administering a team's people through the router: role changes, open invites and their
//! revocation (what the console's team page needs), with the same rules as invite/remove.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mediamagic_e2e::{Cred, TestStack, spawn_stack};
use serde_json::{Value, json};

const CHANGE: &str = "mutation($t: ID!, $u: ID!, $r: Role!) { changeMemberRole(teamId: $t, userId: $u, role: $r) { role user { id } } }";
const INVITES: &str =
    "query($t: ID!) { team(id: $t) { pendingInvites { id email role invitedBy { id } } } }";

async fn change(stack: &TestStack, by: &str, team: &str, user: &str, role: &str) -> Value {
    stack
        .gql(
            Cred::Bearer(by),
            CHANGE,
            json!({"t": team, "u": user, "r": role}),
        )
        .await
        .body
}

fn code(body: &Value) -> &str {
    body.pointer("/errors/0/extensions/code")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("expected an error: {body}"))
}

#[tokio::test]
async fn an_admin_promotes_members_and_only_an_owner_changes_admins_or_makes_owners() {
    let stack = spawn_stack().await;
    let (owner, owner_id, _) = stack.sign_up("una").await;
    let (admin, admin_id, admin_email) = stack.sign_up("victor").await;
    let (member, member_id, member_email) = stack.sign_up("wendy").await;
    let team = stack.create_team(&owner, "Studio").await;
    stack
        .join_team(&owner, &team, &admin, &admin_email, "ADMIN")
        .await;
    stack
        .join_team(&owner, &team, &member, &member_email, "MEMBER")
        .await;

    // A member changes nobody, not even themself upwards.
    assert_eq!(
        code(&change(&stack, &member, &team, &member_id, "ADMIN").await),
        "FORBIDDEN"
    );
    // An admin promotes a member, but cannot make an owner or demote an owner.
    let promoted = change(&stack, &admin, &team, &member_id, "ADMIN").await;
    assert_eq!(
        promoted["data"]["changeMemberRole"]["role"], "ADMIN",
        "{promoted}"
    );
    assert_eq!(
        promoted["data"]["changeMemberRole"]["user"]["id"],
        member_id.as_str()
    );
    assert_eq!(
        code(&change(&stack, &admin, &team, &member_id, "OWNER").await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&change(&stack, &admin, &team, &owner_id, "MEMBER").await),
        "FORBIDDEN"
    );
    // Now an admin, the former member still cannot demote a fellow admin.
    assert_eq!(
        code(&change(&stack, &member, &team, &admin_id, "MEMBER").await),
        "FORBIDDEN"
    );
    // The owner can; and the change holds: the demoted admin can no longer invite.
    let demoted = change(&stack, &owner, &team, &admin_id, "MEMBER").await;
    assert_eq!(
        demoted["data"]["changeMemberRole"]["role"], "MEMBER",
        "{demoted}"
    );
    let invite = stack
        .gql(
            Cred::Bearer(&admin),
            "mutation($t: ID!) { inviteMember(teamId: $t, email: \"x@example.com\") { id } }",
            json!({"t": team}),
        )
        .await;
    assert_eq!(invite.error_code(), "FORBIDDEN");
    // The same change again is a no-op, safe to retry.
    let again = change(&stack, &owner, &team, &admin_id, "MEMBER").await;
    assert_eq!(
        again["data"]["changeMemberRole"]["role"], "MEMBER",
        "{again}"
    );

    // Bad input and strangers.
    let (stranger, _, _) = stack.sign_up("xavier").await;
    assert_eq!(
        code(&change(&stack, &stranger, &team, &member_id, "MEMBER").await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&change(&stack, &owner, &team, "not-a-uuid", "MEMBER").await),
        "BAD_USER_INPUT"
    );
    let (_, outsider_id, _) = stack.sign_up("yolanda").await;
    assert_eq!(
        code(&change(&stack, &owner, &team, &outsider_id, "ADMIN").await),
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn the_last_owner_cannot_step_down_until_another_owner_exists() {
    let stack = spawn_stack().await;
    let (owner, owner_id, _) = stack.sign_up("zoe").await;
    let (other, other_id, other_email) = stack.sign_up("arthur").await;
    let team = stack.create_team(&owner, "Label").await;
    stack
        .join_team(&owner, &team, &other, &other_email, "MEMBER")
        .await;

    assert_eq!(
        code(&change(&stack, &owner, &team, &owner_id, "ADMIN").await),
        "CONFLICT"
    );
    let made = change(&stack, &owner, &team, &other_id, "OWNER").await;
    assert_eq!(made["data"]["changeMemberRole"]["role"], "OWNER", "{made}");
    let stepped = change(&stack, &owner, &team, &owner_id, "MEMBER").await;
    assert_eq!(
        stepped["data"]["changeMemberRole"]["role"], "MEMBER",
        "{stepped}"
    );
    // The new sole owner is now the last one.
    assert_eq!(
        code(&change(&stack, &other, &team, &other_id, "ADMIN").await),
        "CONFLICT"
    );
}

#[tokio::test]
async fn admins_list_open_invites_and_a_revoked_invite_cannot_be_accepted() {
    let stack = spawn_stack().await;
    let (owner, owner_id, _) = stack.sign_up("beth").await;
    let (member, _, member_email) = stack.sign_up("carl").await;
    let (invitee, _, invitee_email) = stack.sign_up("dora").await;
    let team = stack.create_team(&owner, "Agency").await;
    stack
        .join_team(&owner, &team, &member, &member_email, "MEMBER")
        .await;

    let invite = stack
        .gql(
            Cred::Bearer(&owner),
            "mutation($t: ID!, $e: String!) { inviteMember(teamId: $t, email: $e, role: ADMIN) { id token } }",
            json!({"t": team, "e": invitee_email}),
        )
        .await;
    let invite_id = invite.data("/inviteMember/id").as_str().unwrap().to_owned();
    let invite_token = invite
        .data("/inviteMember/token")
        .as_str()
        .unwrap()
        .to_owned();

    // Listed for the owner (the accepted invite of the member is not), with no token.
    let listed = stack
        .gql(Cred::Bearer(&owner), INVITES, json!({"t": team}))
        .await;
    assert_eq!(
        listed.data("/team/pendingInvites"),
        &json!([{"id": invite_id, "email": invitee_email, "role": "ADMIN", "invitedBy": {"id": owner_id}}])
    );
    // Not for a plain member; a stranger cannot see the team at all.
    let hidden = stack
        .gql(Cred::Bearer(&member), INVITES, json!({"t": team}))
        .await;
    assert_eq!(hidden.error_code(), "FORBIDDEN");
    let revoke = "mutation($i: ID!) { revokeInvite(id: $i) }";
    assert_eq!(
        stack
            .gql(Cred::Bearer(&member), revoke, json!({"i": invite_id}))
            .await
            .error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        stack
            .gql(Cred::Bearer(&invitee), revoke, json!({"i": invite_id}))
            .await
            .error_code(),
        "NOT_FOUND"
    );

    // Revoked by the owner: gone from the list, and its token no longer joins the team.
    let revoked = stack
        .gql(Cred::Bearer(&owner), revoke, json!({"i": invite_id}))
        .await;
    assert_eq!(revoked.data("/revokeInvite"), &json!(true));
    let listed = stack
        .gql(Cred::Bearer(&owner), INVITES, json!({"t": team}))
        .await;
    assert_eq!(listed.data("/team/pendingInvites"), &json!([]));
    let accepted = stack
        .gql(
            Cred::Bearer(&invitee),
            "mutation($k: String!) { acceptInvite(token: $k) { id } }",
            json!({"k": invite_token}),
        )
        .await;
    assert_eq!(accepted.error_code(), "NOT_FOUND");
    assert_eq!(
        stack
            .gql(Cred::Bearer(&owner), revoke, json!({"i": invite_id}))
            .await
            .error_code(),
        "NOT_FOUND"
    );
}

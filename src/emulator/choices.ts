/**
 * Where the documents (QLIK-API.md, seeds/, @qlik/api's types) are silent or loose, the emulator
 * had to choose. Every such choice is listed here, once, and exported as data (`CHOICES`, also
 * served at GET /__emulator/choices) so the docs can list it; test/emulator/choices.test.ts checks
 * this table and the data agree, and the conformance suite tests each behaviour.
 *
 * | Topic | Choice |
 * |---|---|
 * | Error codes | Undocumented failures answer `HTTP-<status>`; unknown group/user ids `GROUPS-7`/`USERS-7`; rate limits `HTTP-429`. Every error body is `{errors:[{code,title,status,detail,source?}],traceId}`; `source.pointer` names the body part, `source.parameter` the query parameter. |
 * | Unknown input | Unknown body properties, unknown or repeated query parameters are 400 (a misspelt field never passes silently). |
 * | Group name limits | Over 256 characters (code points), blank, or with control characters: 400. The 10,001st group (IdP + custom): 400. A login ignores such groups, as documented. |
 * | Group name uniqueness | Unique per provider type, case-sensitive: a second IdP group of the same name is a 409 too; renaming a custom group onto another custom group's name is a 409. |
 * | Group delete | A custom group with members: 400. An IdP group with members: deleted, memberships dropped, `group.users.modified` with `deleted:true` in chunks of 1,000 users. |
 * | System groups | GET /groups/{Everyone id} returns Everyone; PATCH/DELETE of it, or using it in a user PATCH: 400. |
 * | Group create fields | `description` is accepted for IdP groups too; `status` may only be `active`. IdP groups get a fixed emulated `idpId`. |
 * | Empty PATCH | An empty operations array is a 400 (a client that sends one wastes a write). |
 * | No-op PATCH | A valid PATCH that changes nothing: 204, no event, `lastUpdatedAt` unchanged. |
 * | Group PATCH paths | Only `replace` on `/assignedRoles`, `/name`, `/description` (with or without the leading slash); anything else 400. Roles given twice are kept once. |
 * | Membership add | `add` `/assignedGroups/-` takes a group id, `{id}` or `{name, providerType:"custom"}`; an unknown group is a 400 (404 is for the user in the URL); adding the same group twice in one array is a 400 like adding one the user has. |
 * | Membership remove | `remove-value` takes a plain id string; a group the user is not in, or an unknown id: 400, whole array rejected. |
 * | Net effect of a PATCH | Ops are applied in order to a draft; add then remove-value of the same group in one array is allowed and changes nothing. |
 * | Membership replace | `replace` `/assignedGroups` is a 400 when the user has any IdP membership; a group listed twice is a 400. |
 * | Other user PATCH paths | `replace` of `/name`, `/assignedRoles`, `/status` (`active`/`disabled`), `/preferredLocale`, `/preferredZoneinfo`; other ops or paths 400. 207 is never answered: a PATCH applies completely or not at all. |
 * | User create | `status` defaults to `active` (only `invited` may be given); `name` defaults to the email, then the subject; subject and email are unique case-insensitively (409); an email needs one `@`; `tenantId` must be this tenant's. |
 * | Limit | `limit` outside 1..100 or not an integer is a 400, not clamped. |
 * | Sort | Default `+name` for users (documented), groups and roles; names sort case-insensitively by code unit, ties by id. A `+` that arrives as a space (unencoded) means `+`. |
 * | Cursors | Opaque base64url of [sort, key, id]: stable across inserts and deletes, one binary search to resume. A cursor used with another sort, `next` with `prev`, or a foreign string: 400. `prev` returns the page just before the given item. |
 * | Page links | `links.self` is the request URL; `links.prev` is absent on the first page, `links.next` on the last. `totalResults` counts all matches, not the remaining ones. |
 * | Filter operators | Users: `eq` on the documented list, `co` and `sw` on name/email/subject. Groups: `eq` on id, status, providerType, assignedRoles.name/.id; `eq`/`co`/`sw` on name; `eq`/`gt`/`ge`/`lt`/`le` on createdAt/lastUpdatedAt. Roles: `eq` on id/type/level, `eq`/`co`/`sw` on name. Anything else (`not`, `ne`, `ew`, `pr`, value paths) is a 400. |
 * | Filter values | Compared case-insensitively; must be quoted strings (`"` with JSON escapes, or `'`); dates compare as instants; an empty filter means no filter; at most 10,000 characters. |
 * | Users status rule | "Status conditions grouped as one clause" is enforced: at most one top-level `and` clause may mention status and it must mention nothing else; otherwise 400. |
 * | Filter action limits | groups/actions/filter: more than 100 `id` comparisons is a 400. users/actions/filter has no id limit. Both take `limit`, `next`, `prev`, `sort` (name only) and users also `fields`. |
 * | Fields | `fields` (users: list, get, filter) returns exactly the listed fields, `id` and `links` only if listed; an unknown name is a 400. Groups and roles do not take `fields`. |
 * | Credential users | Each API key and OAuth client acts as a virtual TenantAdmin user (what /users/me returns, the events' `userid`, groups' `createdBy`) that is not listed or counted among the tenant's users. |
 * | OAuth | POST /oauth/token takes JSON or a form; errors carry Qlik's error body plus RFC 6749 `error`/`error_description`; unknown parameters are a 400; an expired token is a 401. |
 * | Authentication order | Every /api and /__emulator request is authenticated first: no or bad credentials is a 401 even for an unknown path. |
 * | Rate-limit algorithm | A sliding log of request times per credential and tier over `windowMinutes` (default 5) with a budget of perMinute × windowMinutes, so a burst may use the whole window's budget (under `qlik`: 500 tier-2 requests). Refused requests are not logged. Every routed request counts, whatever its answer; /oauth/token counts against the client's tier 2; the control surface and unknown paths are not limited. |
 * | Retry-After | Whole real seconds until the oldest logged request leaves the window, at least 1 (scaled by timeScale); `x-emulator-retry-after-ms` carries the precise milliseconds. Body: `You need to wait N seconds until limit is lifted.` |
 * | Faults | Drawn after authentication and the rate limit, from a seeded mulberry32 generator, only for eligible requests (writes when `writesOnly`); the kind is drawn uniformly from `kinds`. An injected 429 says Retry-After 1 (x-emulator-retry-after-ms 1000/timeScale). Default slowMs 1,000. |
 * | Body limits | API bodies over 1 MiB: 413 (the connection is closed). PUT /__emulator/state takes up to 512 MiB. |
 * | Content type | JSON endpoints take `application/json`, `application/*+json` or no content type; anything else is a 415. Malformed JSON is a 400. |
 * | Events | Sources as in the seeds (`com.qlik/groups` for group.deleted, `com.qlik/identities` otherwise), `com.qlik/users` for user events; `datacontenttype` `application/json`; `updates[].oldValue/newValue` are strings (roles as a JSON array of names); one `group.users.modified` per group and change; deleting a user emits one per group it was in. |
 * | Membership log | One entry per membership added or removed, with `providerType`, `cause` (`patch`, `login`, `user-deleted`, `group-deleted`) and `actorId`; `seq` keeps increasing across resets; `?since=<seq>` returns later entries. Events take `?since=<index>`. |
 * | Login | Matched by subject (case-insensitive); a disabled user is refused (403), any other status becomes active; an email used by another user is a 409; claimed groups match IdP groups by exact name; ignored groups are listed in the `x-emulator-ignored-groups` header. |
 * | Reset | Clears the tenant (back to default roles and Everyone), events, membership log, rate-limit windows and faults; keeps credentials, rate-limit settings and statistics (POST /__emulator/stats/reset clears those). |
 * | State | Custom roles, groups, users with memberships, settings, Everyone's roles; not events or the membership log. An import is checked completely, then replaces the tenant. |
 * | User representation | `assignedGroups` in assignment order, Everyone not listed; the legacy `groups` lists IdP group names; /users/actions/count counts users of every status. |
 * | Exposure | Binding to a non-loopback address requires explicit credentials (the default API key is public knowledge). |
 */

export interface Choice {
  topic: string;
  choice: string;
}

// The table above, as [topic, choice] rows (kept identical to the comment by choices.test.ts).
const TABLE: readonly (readonly [string, string])[] = [
  ['Error codes', 'Undocumented failures answer `HTTP-<status>`; unknown group/user ids `GROUPS-7`/`USERS-7`; rate limits `HTTP-429`. Every error body is `{errors:[{code,title,status,detail,source?}],traceId}`; `source.pointer` names the body part, `source.parameter` the query parameter.'],
  ['Unknown input', 'Unknown body properties, unknown or repeated query parameters are 400 (a misspelt field never passes silently).'],
  ['Group name limits', 'Over 256 characters (code points), blank, or with control characters: 400. The 10,001st group (IdP + custom): 400. A login ignores such groups, as documented.'],
  ['Group name uniqueness', "Unique per provider type, case-sensitive: a second IdP group of the same name is a 409 too; renaming a custom group onto another custom group's name is a 409."],
  ['Group delete', 'A custom group with members: 400. An IdP group with members: deleted, memberships dropped, `group.users.modified` with `deleted:true` in chunks of 1,000 users.'],
  ['System groups', 'GET /groups/{Everyone id} returns Everyone; PATCH/DELETE of it, or using it in a user PATCH: 400.'],
  ['Group create fields', '`description` is accepted for IdP groups too; `status` may only be `active`. IdP groups get a fixed emulated `idpId`.'],
  ['Empty PATCH', 'An empty operations array is a 400 (a client that sends one wastes a write).'],
  ['No-op PATCH', 'A valid PATCH that changes nothing: 204, no event, `lastUpdatedAt` unchanged.'],
  ['Group PATCH paths', 'Only `replace` on `/assignedRoles`, `/name`, `/description` (with or without the leading slash); anything else 400. Roles given twice are kept once.'],
  ['Membership add', '`add` `/assignedGroups/-` takes a group id, `{id}` or `{name, providerType:"custom"}`; an unknown group is a 400 (404 is for the user in the URL); adding the same group twice in one array is a 400 like adding one the user has.'],
  ['Membership remove', '`remove-value` takes a plain id string; a group the user is not in, or an unknown id: 400, whole array rejected.'],
  ['Net effect of a PATCH', 'Ops are applied in order to a draft; add then remove-value of the same group in one array is allowed and changes nothing.'],
  ['Membership replace', '`replace` `/assignedGroups` is a 400 when the user has any IdP membership; a group listed twice is a 400.'],
  ['Other user PATCH paths', '`replace` of `/name`, `/assignedRoles`, `/status` (`active`/`disabled`), `/preferredLocale`, `/preferredZoneinfo`; other ops or paths 400. 207 is never answered: a PATCH applies completely or not at all.'],
  ['User create', '`status` defaults to `active` (only `invited` may be given); `name` defaults to the email, then the subject; subject and email are unique case-insensitively (409); an email needs one `@`; `tenantId` must be this tenant\'s.'],
  ['Limit', '`limit` outside 1..100 or not an integer is a 400, not clamped.'],
  ['Sort', 'Default `+name` for users (documented), groups and roles; names sort case-insensitively by code unit, ties by id. A `+` that arrives as a space (unencoded) means `+`.'],
  ['Cursors', 'Opaque base64url of [sort, key, id]: stable across inserts and deletes, one binary search to resume. A cursor used with another sort, `next` with `prev`, or a foreign string: 400. `prev` returns the page just before the given item.'],
  ['Page links', '`links.self` is the request URL; `links.prev` is absent on the first page, `links.next` on the last. `totalResults` counts all matches, not the remaining ones.'],
  ['Filter operators', 'Users: `eq` on the documented list, `co` and `sw` on name/email/subject. Groups: `eq` on id, status, providerType, assignedRoles.name/.id; `eq`/`co`/`sw` on name; `eq`/`gt`/`ge`/`lt`/`le` on createdAt/lastUpdatedAt. Roles: `eq` on id/type/level, `eq`/`co`/`sw` on name. Anything else (`not`, `ne`, `ew`, `pr`, value paths) is a 400.'],
  ['Filter values', 'Compared case-insensitively; must be quoted strings (`"` with JSON escapes, or `\'`); dates compare as instants; an empty filter means no filter; at most 10,000 characters.'],
  ['Users status rule', '"Status conditions grouped as one clause" is enforced: at most one top-level `and` clause may mention status and it must mention nothing else; otherwise 400.'],
  ['Filter action limits', 'groups/actions/filter: more than 100 `id` comparisons is a 400. users/actions/filter has no id limit. Both take `limit`, `next`, `prev`, `sort` (name only) and users also `fields`.'],
  ['Fields', '`fields` (users: list, get, filter) returns exactly the listed fields, `id` and `links` only if listed; an unknown name is a 400. Groups and roles do not take `fields`.'],
  ['Credential users', "Each API key and OAuth client acts as a virtual TenantAdmin user (what /users/me returns, the events' `userid`, groups' `createdBy`) that is not listed or counted among the tenant's users."],
  ['OAuth', "POST /oauth/token takes JSON or a form; errors carry Qlik's error body plus RFC 6749 `error`/`error_description`; unknown parameters are a 400; an expired token is a 401."],
  ['Authentication order', 'Every /api and /__emulator request is authenticated first: no or bad credentials is a 401 even for an unknown path.'],
  ['Rate-limit algorithm', "A sliding log of request times per credential and tier over `windowMinutes` (default 5) with a budget of perMinute × windowMinutes, so a burst may use the whole window's budget (under `qlik`: 500 tier-2 requests). Refused requests are not logged. Every routed request counts, whatever its answer; /oauth/token counts against the client's tier 2; the control surface and unknown paths are not limited."],
  ['Retry-After', 'Whole real seconds until the oldest logged request leaves the window, at least 1 (scaled by timeScale); `x-emulator-retry-after-ms` carries the precise milliseconds. Body: `You need to wait N seconds until limit is lifted.`'],
  ['Faults', 'Drawn after authentication and the rate limit, from a seeded mulberry32 generator, only for eligible requests (writes when `writesOnly`); the kind is drawn uniformly from `kinds`. An injected 429 says Retry-After 1 (x-emulator-retry-after-ms 1000/timeScale). Default slowMs 1,000.'],
  ['Body limits', 'API bodies over 1 MiB: 413 (the connection is closed). PUT /__emulator/state takes up to 512 MiB.'],
  ['Content type', 'JSON endpoints take `application/json`, `application/*+json` or no content type; anything else is a 415. Malformed JSON is a 400.'],
  ['Events', 'Sources as in the seeds (`com.qlik/groups` for group.deleted, `com.qlik/identities` otherwise), `com.qlik/users` for user events; `datacontenttype` `application/json`; `updates[].oldValue/newValue` are strings (roles as a JSON array of names); one `group.users.modified` per group and change; deleting a user emits one per group it was in.'],
  ['Membership log', 'One entry per membership added or removed, with `providerType`, `cause` (`patch`, `login`, `user-deleted`, `group-deleted`) and `actorId`; `seq` keeps increasing across resets; `?since=<seq>` returns later entries. Events take `?since=<index>`.'],
  ['Login', 'Matched by subject (case-insensitive); a disabled user is refused (403), any other status becomes active; an email used by another user is a 409; claimed groups match IdP groups by exact name; ignored groups are listed in the `x-emulator-ignored-groups` header.'],
  ['Reset', 'Clears the tenant (back to default roles and Everyone), events, membership log, rate-limit windows and faults; keeps credentials, rate-limit settings and statistics (POST /__emulator/stats/reset clears those).'],
  ['State', "Custom roles, groups, users with memberships, settings, Everyone's roles; not events or the membership log. An import is checked completely, then replaces the tenant."],
  ['User representation', '`assignedGroups` in assignment order, Everyone not listed; the legacy `groups` lists IdP group names; /users/actions/count counts users of every status.'],
  ['Exposure', 'Binding to a non-loopback address requires explicit credentials (the default API key is public knowledge).'],
];

/** The table above, as data. */
export const CHOICES: readonly Choice[] = TABLE.map(([topic, choice]) => ({ topic, choice }));

import { clone } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { IdentityEvent } from "../../gen/tickmesh/identity/v1/events_pb.js";
import {
  ApiKeySchema,
  ApiKeyState,
  PrincipalSchema,
  SigningKeySchema,
  SigningKeyState,
  TenantSchema,
  type ApiKey,
  type Jwk,
  type Principal,
  type SigningKey,
  type Tenant,
} from "../../gen/tickmesh/identity/v1/identity_pb.js";

export interface ApiKeyRecord {
  apiKey: ApiKey;
  secretHash: string;
}

export interface SigningKeyRecord {
  key: SigningKey;
  jwk: Jwk;
  sealedPrivateKey: Uint8Array;
}

/**
 * Identity's state as a fold over `identity.events`. apply() is deterministic and idempotent
 * (events are deduplicated by id, and a fact about an existing resource never overwrites it twice),
 * so replaying the log, tailing it and applying our own writes all end in the same state.
 */
export class IdentityState {
  readonly tenants = new Map<string, Tenant>();
  readonly principals = new Map<string, Principal>();
  readonly apiKeys = new Map<string, ApiKeyRecord>();
  /** In rotation order, oldest first. */
  readonly signingKeys = new Map<string, SigningKeyRecord>();
  #activeKid: string | undefined;
  readonly #seen = new Set<string>();

  get activeKid(): string | undefined {
    return this.#activeKid;
  }

  /** Applies one event; false when it was already applied. */
  apply(event: IdentityEvent): boolean {
    if (event.eventId === "" || this.#seen.has(event.eventId)) return false;
    this.#seen.add(event.eventId);
    const e = event.event;
    switch (e.case) {
      case "tenantCreated":
        if (e.value.tenant && !this.tenants.has(e.value.tenant.tenantId)) this.tenants.set(e.value.tenant.tenantId, clone(TenantSchema, e.value.tenant));
        break;
      case "tenantUpdated":
        if (e.value.tenant && this.tenants.has(e.value.tenant.tenantId)) this.tenants.set(e.value.tenant.tenantId, clone(TenantSchema, e.value.tenant));
        break;
      case "principalCreated": {
        const p = e.value.principal;
        if (p && !this.principals.has(p.principalId) && this.tenants.has(p.tenantId)) this.principals.set(p.principalId, clone(PrincipalSchema, p));
        break;
      }
      case "principalUpdated": {
        const p = e.value.principal;
        const known = p && this.principals.get(p.principalId);
        if (p && known && known.tenantId === p.tenantId) this.principals.set(p.principalId, clone(PrincipalSchema, p));
        break;
      }
      case "apiKeyIssued": {
        const k = e.value.apiKey;
        if (k && !this.apiKeys.has(k.keyId)) this.apiKeys.set(k.keyId, { apiKey: clone(ApiKeySchema, k), secretHash: e.value.secretHash });
        break;
      }
      case "apiKeyRevoked": {
        const record = this.apiKeys.get(e.value.keyId);
        if (record && record.apiKey.tenantId === event.tenantId && record.apiKey.state !== ApiKeyState.REVOKED) {
          record.apiKey.state = ApiKeyState.REVOKED;
          record.apiKey.revokeTime = e.value.revokeTime;
        }
        break;
      }
      case "signingKeyRotated": {
        const { newKey, publicJwk, sealedPrivateKey, previousKid, previousRemoveTime } = e.value;
        if (!newKey || !publicJwk || this.signingKeys.has(newKey.kid)) break;
        const previous = this.signingKeys.get(previousKid || this.#activeKid || "");
        if (previous && previous.key.state === SigningKeyState.ACTIVE) {
          previous.key.state = SigningKeyState.RETIRING;
          previous.key.retireTime = event.eventTime;
          previous.key.removeTime = previousRemoveTime;
        }
        // A replica that rotated concurrently may have left a second key active: the later event wins.
        const current = this.#activeKid ? this.signingKeys.get(this.#activeKid) : undefined;
        if (current && current.key.state === SigningKeyState.ACTIVE) {
          current.key.state = SigningKeyState.RETIRING;
          current.key.retireTime = event.eventTime;
          current.key.removeTime = previousRemoveTime;
        }
        this.signingKeys.set(newKey.kid, { key: clone(SigningKeySchema, newKey), jwk: publicJwk, sealedPrivateKey });
        this.#activeKid = newKey.kid;
        break;
      }
      default:
        break;
    }
    return true;
  }

  /** The principal if it exists in this tenant; another tenant's principal is indistinguishable from none. */
  principalOf(tenantId: string, principalId: string): Principal | undefined {
    const p = this.principals.get(principalId);
    return p && p.tenantId === tenantId ? p : undefined;
  }

  apiKeyOf(tenantId: string, keyId: string): ApiKeyRecord | undefined {
    const k = this.apiKeys.get(keyId);
    return k && k.apiKey.tenantId === tenantId ? k : undefined;
  }

  /** The state a key is in at `now` (an active key past its expire time reads as EXPIRED). */
  static keyState(key: ApiKey, now: number): ApiKeyState {
    if (key.state === ApiKeyState.ACTIVE && key.expireTime && timestampMs(key.expireTime) <= now) return ApiKeyState.EXPIRED;
    return key.state;
  }

  /** Signing keys still published at `now`: the active one and those retiring whose remove time is ahead. */
  publishedKeys(now: number): SigningKeyRecord[] {
    return [...this.signingKeys.values()].filter(
      (r) => r.key.state === SigningKeyState.ACTIVE || (r.key.state === SigningKeyState.RETIRING && (!r.key.removeTime || timestampMs(r.key.removeTime) > now)),
    );
  }

  /** The SigningKey as seen at `now` (a retiring key past its remove time reads as RETIRED). */
  static signingKeyView(record: SigningKeyRecord, now: number): SigningKey {
    const view = clone(SigningKeySchema, record.key);
    if (view.state === SigningKeyState.RETIRING && view.removeTime && timestampMs(view.removeTime) <= now) view.state = SigningKeyState.RETIRED;
    return view;
  }
}

import type { EmulatorOrg, EmulatorState } from './emulator-state';

/** The identity providers PropelAuth's SAML setup knows. */
export const SAML_PROVIDERS = ['Google', 'Rippling', 'OneLogin', 'JumpCloud', 'Okta', 'Azure', 'Duo', 'Generic'] as const;
export type EmulatorSamlProvider = (typeof SAML_PROVIDERS)[number];

export const OIDC_IDP_TYPES = ['Generic', 'Okta', 'Azure'] as const;
export type EmulatorOidcIdpType = (typeof OIDC_IDP_TYPES)[number];

/** An org's SAML connection, as `POST /saml_idp_metadata` set it. */
export interface EmulatorSamlConnection {
  kind: 'saml';
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificate: string;
  provider: EmulatorSamlProvider;
}

/** An org's OIDC connection, as `POST /oidc_idp_metadata` set it. */
export interface EmulatorOidcConnection {
  kind: 'oidc';
  idpType: EmulatorOidcIdpType;
  clientId: string;
  clientSecret: string;
  usesPkce: boolean;
  authUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
  oktaSsoDomain?: string;
  entraTenantId?: string;
}

/** An org's one enterprise SSO connection: SAML or OIDC, in test mode until it goes live. */
export type EmulatorSsoConnection = (EmulatorSamlConnection | EmulatorOidcConnection) & { live: boolean };

/** A link made by `POST /org/{orgId}/create_saml_connection_link`. */
export interface EmulatorSamlConnectionLink {
  orgId: string;
  url: string;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * The emulator's org state beyond the shared store: the project's custom role
 * mappings, each org's enterprise SSO connection and the SAML setup links made.
 * One per emulator: `emulator.state.store(OrgStore)`.
 *
 * @example
 * const orgs = emulator.state.store(OrgStore);
 * orgs.addCustomRoleMapping('Enterprise roles');
 */
export class OrgStore {
  /** Custom role mapping names defined in the project (as in the PropelAuth dashboard). */
  readonly customRoleMappings = new Set<string>();
  /** orgId -> its SSO connection */
  readonly ssoConnections = new Map<string, EmulatorSsoConnection>();
  readonly samlConnectionLinks: EmulatorSamlConnectionLink[] = [];

  /** Defines a custom role mapping, so that orgs can subscribe to it. */
  addCustomRoleMapping(name: string): void {
    this.customRoleMappings.add(name);
  }

  /** The defined mappings plus any that a stored org already uses (an org seeded with one makes it exist). */
  knownRoleMappings(state: EmulatorState): string[] {
    const names = new Set(this.customRoleMappings);
    for (const org of state.orgs.values()) if (org.customRoleMappingName) names.add(org.customRoleMappingName);
    return [...names];
  }

  /** Sets the org's SSO connection (replacing any, keeping whether it was live) and what the org shows of it. */
  setConnection(org: EmulatorOrg, connection: EmulatorSamlConnection | EmulatorOidcConnection): void {
    const live = this.ssoConnections.get(org.orgId)?.live ?? false;
    this.ssoConnections.set(org.orgId, { ...connection, live });
    org.isSamlConfigured = true;
    org.isSamlInTestMode = !live;
  }

  goLive(org: EmulatorOrg): boolean {
    const connection = this.ssoConnections.get(org.orgId);
    if (connection === undefined) return false;
    connection.live = true;
    org.isSamlInTestMode = false;
    return true;
  }

  deleteConnection(org: EmulatorOrg): boolean {
    const existed = this.ssoConnections.delete(org.orgId);
    org.isSamlConfigured = false;
    org.isSamlInTestMode = false;
    return existed;
  }

  /** Forgets everything of a deleted org. */
  forgetOrg(orgId: string): void {
    this.ssoConnections.delete(orgId);
    for (let i = this.samlConnectionLinks.length - 1; i >= 0; i--) {
      if (this.samlConnectionLinks[i].orgId === orgId) this.samlConnectionLinks.splice(i, 1);
    }
  }
}

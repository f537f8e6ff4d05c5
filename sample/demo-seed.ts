import { DEFAULT_ROLES, PropelAuthEmulator } from 'propelauth-nestjs/testing';

export interface Demo {
  emulator: PropelAuthEmulator;
  orgId: string;
  ownerToken: string;
  memberToken: string;
}

/**
 * Starts the embedded emulator and seeds it: an org "Acme Inc" with an Owner and
 * a Member. Only the Owner role grants can_view_billing.
 */
export async function startDemoEmulator(): Promise<Demo> {
  const roles = DEFAULT_ROLES.map((role) => (role.name === 'Owner' ? { ...role, permissions: [...(role.permissions ?? []), 'can_view_billing'] } : role));
  const emulator = await new PropelAuthEmulator({ roles }).start();
  const org = emulator.createOrg({ name: 'Acme Inc' });
  const owner = emulator.createUser({ email: 'owner@acme.test', firstName: 'Olive', lastName: 'Owner' });
  const member = emulator.createUser({ email: 'member@acme.test', firstName: 'Mo', lastName: 'Member' });
  emulator.addUserToOrg({ userId: owner.userId, orgId: org.orgId, role: 'Owner' });
  emulator.addUserToOrg({ userId: member.userId, orgId: org.orgId, role: 'Member' });
  return {
    emulator,
    orgId: org.orgId,
    ownerToken: emulator.createAccessToken({ userId: owner.userId, durationInMinutes: 60 }),
    memberToken: emulator.createAccessToken({ userId: member.userId, durationInMinutes: 60 }),
  };
}

import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { UseGuards } from '@nestjs/common';
import { Args, Field, GraphQLModule, ID, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CurrentOrg,
  CurrentUser,
  OptionalUserGuard,
  PropelAuthModule,
  Public,
  RequireOrgMember,
  RequireOrgRole,
  RequireUserGuard,
  TokenVerifierService,
  type OrgMemberInfo,
  type User,
} from '../../lib';
import { PropelAuthEmulator } from '../../lib/testing';
import { startApp, type RunningApp } from '../support/apps';

// GraphQL over Apollo on Express only: Apollo on Fastify needs @as-integrations/fastify, which is not installed.

const ORG = '0f7e7a2c-1111-4a4a-9d9d-000000000001';
const OTHER_ORG = '0f7e7a2c-2222-4a4a-9d9d-000000000002';

@ObjectType()
class Me {
  @Field(() => ID) userId!: string;
  @Field(() => String, { nullable: true }) email?: string;
}

@ObjectType()
class OrgView {
  @Field(() => ID) orgId!: string;
  @Field(() => String) orgName!: string;
  @Field(() => String) role!: string;
}

// Code first. Guarded at the class: every query and the field resolver (fieldResolverEnhancers: ['guards']).
@Resolver(() => Me)
@UseGuards(RequireUserGuard)
class MeResolver {
  @Query(() => Me)
  me(@CurrentUser() user: User): Me {
    return { userId: user.userId, email: user.email };
  }

  @ResolveField(() => String)
  greeting(@CurrentUser() user: User): string {
    return `hello ${user.userId}`;
  }

  @Query(() => OrgView, { nullable: true })
  @RequireOrgMember()
  org(@Args('orgId', { type: () => ID }) _orgId: string, @CurrentOrg() org: OrgMemberInfo): OrgView {
    return { orgId: org.orgId, orgName: org.orgName, role: org.userAssignedRole };
  }

  @Query(() => String, { nullable: true })
  @RequireOrgRole('Owner')
  ownerOnly(@Args('orgId', { type: () => ID }) _orgId: string, @CurrentOrg() org: OrgMemberInfo): string {
    return `owner of ${org.orgId}`;
  }

  @Query(() => String, { nullable: true })
  @RequireOrgMember({ orgIdExtractor: (request: { headers: Record<string, string | undefined> }) => request.headers['x-org-id'] })
  orgFromHeader(@CurrentOrg() org: OrgMemberInfo): string {
    return org.orgId;
  }
}

@Resolver()
class OpenResolver {
  @Query(() => String, { nullable: true })
  @UseGuards(OptionalUserGuard)
  maybeMe(@CurrentUser() user?: User): string | null {
    return user?.userId ?? null;
  }

  @Query(() => String)
  unguarded(@CurrentUser() user?: User): string {
    return user === undefined ? 'no user' : 'user';
  }
}

// Schema first, with the module's global guard: resolvers are guarded without @UseGuards.
const typeDefs = /* GraphQL */ `
  type Query {
    whoami: String!
    orgName(orgId: ID!): String
    health: String!
  }
`;

@Resolver()
class SchemaFirstResolver {
  @Query('whoami')
  whoami(@CurrentUser() user: User): string {
    return user.userId;
  }

  @Query('orgName')
  @RequireOrgMember()
  orgName(@CurrentOrg() org: OrgMemberInfo): string {
    return org.orgName;
  }

  @Query('health')
  @Public()
  health(): string {
    return 'ok';
  }
}

interface GraphqlResult {
  status: number;
  body: { data?: Record<string, any> | null; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }> };
}

async function graphql(url: string, query: string, headers: Record<string, string> = {}, variables?: object): Promise<GraphqlResult> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphqlResult['body'] };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const codes = (result: GraphqlResult) => result.body.errors?.map((e) => e.extensions?.code);

describe('guards and decorators on GraphQL (Apollo, Express)', () => {
  let emulator: PropelAuthEmulator;
  let codeFirst: RunningApp;
  let schemaFirst: RunningApp;
  let debug: RunningApp;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
    const graphqlModule = (extra: Partial<ApolloDriverConfig>) =>
      GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, graphiql: false, fieldResolverEnhancers: ['guards'], ...extra });
    [codeFirst, schemaFirst, debug] = await Promise.all([
      startApp('express', {
        imports: [PropelAuthModule.forRoot(emulator.moduleOptions()), graphqlModule({ autoSchemaFile: true })],
        providers: [MeResolver, OpenResolver],
      }),
      startApp('express', {
        imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), globalGuard: true }), graphqlModule({ typeDefs })],
        providers: [SchemaFirstResolver],
      }),
      startApp('express', {
        // Also: no guards on field resolvers (Nest's default, fieldResolverEnhancers: []).
        imports: [PropelAuthModule.forRoot({ ...emulator.moduleOptions(), debugMode: true }), graphqlModule({ autoSchemaFile: true, fieldResolverEnhancers: [] })],
        providers: [MeResolver, OpenResolver],
      }),
    ]);
    tokens.owner = emulator.mintAccessToken({ userId: 'owner', email: 'owner@acme.test', orgs: [{ orgId: ORG, orgName: 'Acme', role: 'Owner' }] });
    tokens.member = emulator.mintAccessToken({
      userId: 'member',
      orgs: [
        { orgId: ORG, orgName: 'Acme', role: 'Member' },
        { orgId: OTHER_ORG, orgName: 'Other', role: 'Owner' },
      ],
    });
    tokens.expired = emulator.mintAccessToken({ userId: 'owner', expiresInSeconds: -10 });
  });

  afterAll(async () => {
    await Promise.all([codeFirst?.close(), schemaFirst?.close(), debug?.close()]);
    await emulator?.stop();
  });

  it('answers a query without a token with an UNAUTHENTICATED GraphQL error, HTTP 200, and no data', async () => {
    const result = await graphql(codeFirst.url, '{ me { userId } }');
    expect(result.status).toBe(200);
    // Exactly what a client receives (Apollo's error formatting of Nest's UnauthorizedException).
    expect(result.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Unauthorized',
          locations: [{ line: 1, column: 3 }],
          path: ['me'],
          extensions: { code: 'UNAUTHENTICATED', originalError: { message: 'Unauthorized', statusCode: 401 } },
        },
      ],
    });
  });

  it.each([
    ['an expired token', () => auth(tokens.expired)],
    ['a garbage token', () => auth('not.a.token')],
    ['a Basic header', () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
  ])('refuses %s the same way', async (_what, headers) => {
    const result = await graphql(codeFirst.url, '{ me { userId } }', headers());
    expect(result.status).toBe(200);
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
  });

  it('gives the reason in debug mode', async () => {
    const result = await graphql(debug.url, '{ me { userId } }', auth(tokens.expired));
    expect(result.body.errors![0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(result.body.errors![0].message).toMatch(/expired/i);
    expect(result.body.errors![0].message).not.toContain(tokens.expired);
  });

  it('injects the user in a query and in a guarded field resolver', async () => {
    const result = await graphql(codeFirst.url, '{ me { userId email greeting } }', auth(tokens.owner));
    expect(result).toEqual({ status: 200, body: { data: { me: { userId: 'owner', email: 'owner@acme.test', greeting: 'hello owner' } } } });
  });

  it('gives an unguarded field resolver the user its guarded parent verified (without fieldResolverEnhancers)', async () => {
    const result = await graphql(debug.url, '{ me { userId greeting } }', auth(tokens.owner));
    expect(result.body).toEqual({ data: { me: { userId: 'owner', greeting: 'hello owner' } } });
    // A root field no guard ran for has no user, as an unguarded HTTP route.
    expect((await graphql(debug.url, '{ me { userId } unguarded }', auth(tokens.owner))).body).toEqual({ data: { me: { userId: 'owner' }, unguarded: 'no user' } });
  });

  it('verifies the token once for a whole operation, however many resolvers and field resolvers are guarded', async () => {
    const verifier = codeFirst.app.get(TokenVerifierService);
    const spy = vi.spyOn(verifier, 'verifyAccessToken');
    try {
      const result = await graphql(
        codeFirst.url,
        `{ a: me { userId greeting } b: me { greeting } org(orgId: "${ORG}") { orgId } ownerOnly(orgId: "${ORG}") maybeMe }`,
        auth(tokens.owner),
      );
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data).toEqual({
        a: { userId: 'owner', greeting: 'hello owner' },
        b: { greeting: 'hello owner' },
        org: { orgId: ORG },
        ownerOnly: `owner of ${ORG}`,
        maybeMe: 'owner',
      });
      expect(spy).toHaveBeenCalledTimes(1);
      // Another request is verified again (its own memo).
      await graphql(codeFirst.url, '{ me { userId } }', auth(tokens.owner));
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes the org of an org decorator from the resolver argument orgId, per resolver', async () => {
    // Two fields of one operation, resolved in parallel, each with its own org.
    const result = await graphql(
      codeFirst.url,
      `{ acme: org(orgId: "${ORG}") { orgId orgName role } other: org(orgId: "${OTHER_ORG}") { orgId orgName role } }`,
      auth(tokens.member),
    );
    expect(result.body).toEqual({
      data: {
        acme: { orgId: ORG, orgName: 'Acme', role: 'Member' },
        other: { orgId: OTHER_ORG, orgName: 'Other', role: 'Owner' },
      },
    });
  });

  it('answers an unmet org requirement with a FORBIDDEN error on that field only; the other fields resolve', async () => {
    const result = await graphql(codeFirst.url, `{ me { userId } ownerOnly(orgId: "${ORG}") elsewhere: ownerOnly(orgId: "${OTHER_ORG}") }`, auth(tokens.member));
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ me: { userId: 'member' }, ownerOnly: null, elsewhere: `owner of ${OTHER_ORG}` });
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors![0]).toMatchObject({
      message: 'Forbidden',
      path: ['ownerOnly'],
      extensions: { code: 'FORBIDDEN', originalError: { message: 'Forbidden', statusCode: 403 } },
    });
  });

  it('refuses an org the user is not a member of, and a missing orgId argument', async () => {
    const outsider = emulator.mintAccessToken({ userId: 'outsider', orgs: [{ orgId: OTHER_ORG, role: 'Owner' }] });
    expect(codes(await graphql(codeFirst.url, `{ org(orgId: "${ORG}") { orgId } }`, auth(outsider)))).toEqual(['FORBIDDEN']);
    expect(codes(await graphql(codeFirst.url, '{ orgFromHeader }', auth(tokens.owner)))).toEqual(['FORBIDDEN']);
  });

  it('calls orgIdExtractor with the HTTP request of the operation', async () => {
    const result = await graphql(codeFirst.url, '{ orgFromHeader }', { ...auth(tokens.owner), 'x-org-id': ORG });
    expect(result.body).toEqual({ data: { orgFromHeader: ORG } });
  });

  it('lets OptionalUserGuard resolvers through without a token, and leaves unguarded resolvers without a user', async () => {
    expect((await graphql(codeFirst.url, '{ maybeMe unguarded }')).body).toEqual({ data: { maybeMe: null, unguarded: 'no user' } });
    expect((await graphql(codeFirst.url, '{ maybeMe }', auth(tokens.member))).body).toEqual({ data: { maybeMe: 'member' } });
    // An invalid token under OptionalUserGuard: no user, no error, as on HTTP.
    expect((await graphql(codeFirst.url, '{ maybeMe }', auth(tokens.expired))).body).toEqual({ data: { maybeMe: null } });
  });

  it('refuses an access_token in the URL and, with a header as well, answers BAD_REQUEST', async () => {
    const inUrl = await fetch(`${codeFirst.url}/graphql?access_token=${tokens.owner}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { userId } }' }),
    });
    expect(codes({ status: inUrl.status, body: (await inUrl.json()) as GraphqlResult['body'] })).toEqual(['UNAUTHENTICATED']);
    const both = await fetch(`${codeFirst.url}/graphql?access_token=${tokens.owner}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth(tokens.owner) },
      body: JSON.stringify({ query: '{ me { userId } }' }),
    });
    expect(codes({ status: both.status, body: (await both.json()) as GraphqlResult['body'] })).toEqual(['BAD_REQUEST']);
  });

  describe('schema first, with globalGuard: true', () => {
    it('guards every resolver: UNAUTHENTICATED without a token, the user with one', async () => {
      expect(codes(await graphql(schemaFirst.url, '{ whoami }'))).toEqual(['UNAUTHENTICATED']);
      expect((await graphql(schemaFirst.url, '{ whoami }', auth(tokens.owner))).body).toEqual({ data: { whoami: 'owner' } });
    });

    it('honours @Public() and the org decorators with the orgId argument', async () => {
      expect((await graphql(schemaFirst.url, '{ health }')).body).toEqual({ data: { health: 'ok' } });
      const result = await graphql(schemaFirst.url, 'query ($orgId: ID!) { orgName(orgId: $orgId) }', auth(tokens.member), { orgId: OTHER_ORG });
      expect(result.body).toEqual({ data: { orgName: 'Other' } });
      const outsider = emulator.mintAccessToken({ userId: 'outsider', orgs: [] });
      expect(codes(await graphql(schemaFirst.url, `{ orgName(orgId: "${ORG}") }`, auth(outsider)))).toEqual(['FORBIDDEN']);
    });
  });
});

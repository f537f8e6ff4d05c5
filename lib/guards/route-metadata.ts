import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { OrgMemberRequirement, OrgRoleRequirement, PermissionRequirement } from '../decorators/org-requirement.decorator';
import {
  OPTIONAL_USER_METADATA,
  PUBLIC_ROUTE_METADATA,
  REQUIRE_ORG_MEMBER_METADATA,
  REQUIRE_ORG_ROLE_METADATA,
  REQUIRE_PERMISSION_METADATA,
} from '../propelauth.constants';
import { orgRequirementsOf, type OrgRequirements } from './org-requirements';

/** What the PropelAuth decorators say about one route. */
export interface RouteAuthMetadata {
  isPublic: boolean;
  optionalUser: boolean;
  /** The org decorators as checks, worked out once; undefined when the route has none. */
  requirements: OrgRequirements | undefined;
}

/**
 * Reads the PropelAuth decorators of a route once and caches them per
 * (controller, handler): metadata does not change after boot, so reflection is not
 * repeated on every request. For each decorator the handler's wins over the controller's.
 */
export class RouteMetadataReader {
  private readonly cache = new WeakMap<object, WeakMap<object, RouteAuthMetadata>>();

  constructor(private readonly reflector: Reflector) {}

  read(context: ExecutionContext): RouteAuthMetadata {
    const controller = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.cache.get(controller);
    if (byHandler === undefined) {
      byHandler = new WeakMap();
      this.cache.set(controller, byHandler);
    }
    let metadata = byHandler.get(handler);
    if (metadata === undefined) {
      metadata = this.reflect([handler, controller]);
      byHandler.set(handler, metadata);
    }
    return metadata;
  }

  private reflect(targets: [object, object]): RouteAuthMetadata {
    const get = <T>(key: string) => this.reflector.getAllAndOverride<T | undefined>(key, targets as never);
    return {
      isPublic: get<boolean>(PUBLIC_ROUTE_METADATA) === true,
      optionalUser: get<boolean>(OPTIONAL_USER_METADATA) === true,
      requirements: orgRequirementsOf({
        member: get<OrgMemberRequirement>(REQUIRE_ORG_MEMBER_METADATA),
        role: get<OrgRoleRequirement>(REQUIRE_ORG_ROLE_METADATA),
        permission: get<PermissionRequirement>(REQUIRE_PERMISSION_METADATA),
      }),
    };
  }
}

// Finds grants broader than least privilege in an IAM document: a wildcard in an allowed action, an allowed resource
// that is "*" or whose ARN leaves the service, region, account, resource type or resource name open, an identity
// policy statement without a resource, a resource policy that allows every principal (unless a condition pins
// aws:PrincipalArn to named principals, the usual form of a VPC endpoint policy).

export type PolicyKind = "identity" | "resource" | "trust";

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
}

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** True when the resource is not pinned to one named resource (a trailing wildcard under a named one is pinned). */
export function isUnscopedResource(resource: string): boolean {
  if (resource === "*") return true;
  const parts = resource.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return true;
  const [, partition, service, region, account] = parts;
  if ([partition, service, region, account].some((part) => part?.includes("*"))) return true;
  const rest = parts.slice(5).join(":");
  const segments = rest.split(/[:/]/);
  // S3 ARNs name the bucket first; everything else names a resource type, then the resource.
  const named = service === "s3" ? 1 : Math.min(2, segments.length);
  return segments.slice(0, named).some((segment) => segment === "" || segment.includes("*"));
}

/** A "*" principal narrowed by a condition to named principals (aws:PrincipalArn equal to ARNs without wildcards). */
function pinsPrincipal(statement: Statement): boolean {
  const pinned = [statement.Condition?.ArnEquals, statement.Condition?.StringEquals]
    .map((test) => test?.["aws:PrincipalArn"])
    .filter((value) => value !== undefined)
    .flatMap((value) => (Array.isArray(value) ? value : [value]));
  return pinned.length > 0 && pinned.every((arn) => typeof arn === "string" && !isUnscopedResource(arn));
}

export function findBroadGrants(
  document: { Statement: Statement[] },
  kind: PolicyKind,
  isException: (statement: Statement) => boolean = () => false,
): string[] {
  const findings: string[] = [];
  for (const [index, statement] of document.Statement.entries()) {
    const label = statement.Sid ?? `statement ${index}`;
    // A Deny only narrows what other statements allow, so a wildcard there is a guard, not a grant.
    if (statement.Effect === "Deny") continue;
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      findings.push(`${label}: NotAction/NotResource allow everything not listed`);
    }
    for (const action of list(statement.Action)) {
      if (action.includes("*")) findings.push(`${label}: wildcard action ${action}`);
    }
    if (kind === "trust") {
      const principal = statement.Principal as { Service?: unknown } | undefined;
      if (typeof principal?.Service !== "string") findings.push(`${label}: trust must name one service principal`);
      continue;
    }
    if (
      kind === "resource" &&
      (statement.Principal === "*" || JSON.stringify(statement.Principal ?? null).includes('"*"')) &&
      !pinsPrincipal(statement)
    ) {
      findings.push(`${label}: allows every principal`);
    }
    const resources = list(statement.Resource);
    if (resources.length === 0) findings.push(`${label}: no resource`);
    if (isException(statement)) continue;
    for (const resource of resources) {
      if (isUnscopedResource(resource)) findings.push(`${label}: unscoped resource ${resource}`);
    }
  }
  return findings;
}

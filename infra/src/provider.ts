import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The tags every taggable resource carries (aws:defaultTags), so the account's bill and inventory show the stack. */
function stackTags(stack: string): Record<string, string> {
  return { project: "msgevents", stack };
}

/**
 * The one AWS provider every resource and invoke of the program uses: the stack's own `aws:*` settings (region,
 * profile, assumed roles, …) plus default tags — the user's `aws:defaultTags`, then `project` and `stack`. Moving the
 * resources from the default provider to this one replaces nothing: the engine asks the provider (DiffConfig) whether
 * the configuration change needs a replacement, and tags do not.
 */
export function stackProvider(stack = pulumi.getStack()): aws.Provider {
  const inherited = Object.fromEntries(
    Object.entries(aws.config).filter(([, value]) => value !== undefined && typeof value !== "function"),
  ) as aws.ProviderArgs;
  const tags = { ...(aws.config.defaultTags?.tags ?? {}), ...stackTags(stack) };
  return new aws.Provider("msgevents", { ...inherited, defaultTags: { tags } });
}

/**
 * SparkPost's bounce classification codes (support-docs "Bounce Classification Codes"): name, description and
 * category of each class. Category ids 0 (Undetermined) and 1 (Hard) are SparkPost's; 2-4 are msgevents' own, since
 * SparkPost documents no others.
 */
export const BOUNCE_CATEGORIES = {
  Undetermined: 0,
  Hard: 1,
  Soft: 2,
  Block: 3,
  Admin: 4,
} as const;
type BounceCategory = keyof typeof BOUNCE_CATEGORIES;

interface BounceClass {
  name: string;
  description: string;
  category: BounceCategory;
}

const CLASSES: Readonly<Record<number, BounceClass>> = {
  1: { name: "Undetermined", description: "The response text could not be identified.", category: "Undetermined" },
  10: { name: "Invalid Recipient", description: "The recipient is invalid.", category: "Hard" },
  20: { name: "Soft Bounce", description: "The message soft bounced.", category: "Soft" },
  21: { name: "DNS Failure", description: "The message bounced due to a DNS failure.", category: "Soft" },
  22: {
    name: "Mailbox Full",
    description: "The message bounced due to the remote mailbox being over quota.",
    category: "Soft",
  },
  23: {
    name: "Too Large",
    description: "The message bounced because it was too large for the recipient.",
    category: "Soft",
  },
  24: { name: "Timeout", description: "The message timed out.", category: "Soft" },
  25: {
    name: "Admin Failure",
    description: "The message was failed by SparkPost's configured policies.",
    category: "Admin",
  },
  30: {
    name: "Generic Bounce: No RCPT",
    description: "No recipient could be determined for the message.",
    category: "Hard",
  },
  40: { name: "Generic Bounce", description: "The message failed for unspecified reasons.", category: "Soft" },
  50: { name: "Mail Block", description: "The message was blocked by the receiver.", category: "Block" },
  51: {
    name: "Spam Block",
    description: "The message was blocked by the receiver as coming from a known spam source.",
    category: "Block",
  },
  52: { name: "Spam Content", description: "The message was blocked by the receiver as spam.", category: "Block" },
  53: {
    name: "Prohibited Attachment",
    description: "The message was blocked by the receiver because it contained an attachment.",
    category: "Block",
  },
  54: {
    name: "Relaying Denied",
    description: "The message was blocked by the receiver because relaying is not allowed.",
    category: "Block",
  },
  60: { name: "Auto-Reply", description: "The message is an auto-reply/vacation mail.", category: "Soft" },
  70: {
    name: "Transient Failure",
    description: "Message transmission has been temporarily delayed.",
    category: "Soft",
  },
  80: { name: "Subscribe", description: "The message is a subscribe request.", category: "Admin" },
  90: { name: "Unsubscribe", description: "The message is an unsubscribe request.", category: "Hard" },
  100: { name: "Challenge-Response", description: "The message is a challenge-response probe.", category: "Soft" },
};

/** The fields SparkPost adds to a bounce-reason row for a class; an unknown class reads as Undetermined. */
export function describeBounceClass(classificationId: number) {
  const known = CLASSES[classificationId] ?? {
    name: "Undetermined",
    description: "The response text could not be identified.",
    category: "Undetermined" as const,
  };
  return {
    bounce_class_name: known.name,
    bounce_class_description: known.description,
    bounce_category_id: BOUNCE_CATEGORIES[known.category],
    bounce_category_name: known.category,
    classification_id: classificationId,
  };
}

/** Characters with a meaning in a PostgreSQL regular expression (ARE); keywords never hold the delimiters. */
const REGEX_SPECIAL = /[.^$*+?()[\]{}|\\]/g;

/**
 * One regular expression, matched against the lower-cased field, that holds exactly when any of the keyword phrases
 * appears among the field's keywords (SparkPost keyword search): each phrase's keywords in order, separated by
 * delimiters only, with a delimiter or an end of the text on both sides. Phrases are msgevents_keyword_phrase output
 * (' k1 k2 ': lower-cased keywords between single spaces), so the tokenization is the database's own.
 *
 * The same answer as msgevents_has_keywords, for a fraction of its cost: it runs for every candidate row a keyword
 * search re-checks, and one regex match costs far less than rebuilding the field's phrase with regexp_replace.
 */
export function keywordPattern(phrases: readonly string[], splitPeriods: boolean): string | undefined {
  const delimiter = splitPeriods ? "[\\s._-]" : "[\\s_-]";
  const alternatives = phrases
    .map((phrase) => phrase.split(" ").filter((keyword) => keyword.length > 0))
    .filter((keywords) => keywords.length > 0)
    .map((keywords) => keywords.map((keyword) => keyword.replace(REGEX_SPECIAL, "\\$&")).join(`${delimiter}+`));
  if (alternatives.length === 0) return undefined;
  return `(^|${delimiter})(${alternatives.join("|")})($|${delimiter})`;
}

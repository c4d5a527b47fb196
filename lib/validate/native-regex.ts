import type { ValidatorOptions } from "@bufbuild/protovalidate";

type RegexMatcher = NonNullable<ValidatorOptions["regexMatch"]>;

/**
 * Matches `string.pattern` rules with V8's RegExp, compiled once per pattern: several times faster
 * than the default RE2 engine. The patterns come from our own protos, never from callers, and are
 * kept to anchored character classes with bounded repeats (no nested quantifiers), so backtracking
 * stays linear. A pattern V8 cannot read as RE2 means is a bug in a proto: it throws, which
 * protovalidate reports as a rule error (INTERNAL), not as the caller's fault.
 */
export function nativeRegexMatch(): RegexMatcher {
  const compiled = new Map<string, RegExp>();
  return (pattern, against) => {
    let re = compiled.get(pattern);
    if (re === undefined) {
      re = new RegExp(pattern, "u");
      compiled.set(pattern, re);
    }
    return re.test(against);
  };
}

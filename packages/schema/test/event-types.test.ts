import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { EVENT_GROUPINGS } from "../src/index.ts";

const modelFile = fileURLToPath(new URL("../src/model/event-types.ts", import.meta.url));

/**
 * Each exported interface of the model with a literal `type`, by name, with every field as an editor shows it:
 * `"name?: type"` (the `?` when optional) mapped to its doc comment, in field order.
 */
function eventInterfaces(): Map<string, Record<string, string>> {
  const config = ts.getParsedCommandLineOfConfigFile(
    fileURLToPath(new URL("../tsconfig.json", import.meta.url)),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error("tsconfig.json cannot be read");
  const program = ts.createProgram([modelFile], config.options);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(modelFile);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${modelFile} is not a module`);
  const interfaces = new Map<string, Record<string, string>>();
  for (const symbol of checker.getExportsOfModule(module)) {
    if (!symbol.declarations?.some(ts.isInterfaceDeclaration)) continue;
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    const typeField = type.getProperty("type");
    if (!typeField || !checker.getTypeOfSymbol(typeField).isStringLiteral()) continue;
    const fields = checker
      .getPropertiesOfType(type)
      .map((property): [string, string] => [
        `${property.name}${property.flags & ts.SymbolFlags.Optional ? "?" : ""}: ${checker.typeToString(checker.getTypeOfSymbol(property))}`,
        ts.displayPartsToString(property.getDocumentationComment(checker)),
      ])
      .sort(([a], [b]) => a.localeCompare(b));
    const indexSignatures = checker
      .getIndexInfosOfType(type)
      .map((info): [string, string] => [
        `[${checker.typeToString(info.keyType)}]: ${checker.typeToString(info.type)}`,
        "",
      ]);
    interfaces.set(symbol.name, Object.fromEntries([...fields, ...indexSignatures]));
  }
  return interfaces;
}

describe("the event model composed from field groups", () => {
  const interfaces = eventInterfaces();

  test("has one interface for each type of EVENT_GROUPINGS, and no other", () => {
    const types = [...interfaces.values()].map((fields) => Object.keys(fields).find((key) => key.startsWith("type:")));
    const known = Object.values(EVENT_GROUPINGS).flat();
    expect(types.sort()).toEqual(known.map((type) => `type: "${type}"`).sort());
  });

  // The snapshots were recorded from the 27 interfaces as they were before the model was composed from field groups,
  // so the composed model carries exactly their fields. A deliberate change: `vitest run -u`, then review the diff.
  test.each([...interfaces.keys()])(
    "%s has exactly the reviewed fields, optionality, types and doc comments",
    (name) => {
      expect(interfaces.get(name)).toMatchSnapshot();
    },
  );
});

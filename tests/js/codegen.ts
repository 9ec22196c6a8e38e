// graphql-codegen as an SPA developer runs it on salesflow's contract: TypeScript types for the exported
// SDL (schema.graphql) and for a set of client operations. tests/e2e/test_codegen.py runs it over the
// README's examples (written as .graphql files into SALESFLOW_CODEGEN_DIR) and the operations of the
// scripts here, then type-checks the result with `tsc --strict` together with codegen-usage.ts.
import type { CodegenConfig } from "@graphql-codegen/cli";

const dir = process.env.SALESFLOW_CODEGEN_DIR;
if (!dir) throw new Error("SALESFLOW_CODEGEN_DIR: where the operations are and the types go");

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: [`${dir}/documents/*.graphql`, "./*.mjs"],
  config: {
    // Every custom scalar is mapped; a new one without a mapping here fails the generation.
    strictScalars: true,
    scalars: {
      Date: "string", // "2026-12-31" (ISO 8601)
      DateTime: "string", // ISO 8601, UTC
      Decimal: "string", // exact: "1234.50", never a float
      ImageData: "string", // an image as base64 or a data: URL (the company logo)
    },
    useTypeImports: true,
  },
  generates: {
    // Every type of the schema: inputs, payloads, enums (as string unions: what arrives in JSON).
    [`${dir}/schema.ts`]: { plugins: ["typescript"], config: { enumsAsTypes: true } },
    // Each operation's variables and result, referring to the schema's types.
    [`${dir}/operations.ts`]: {
      plugins: ["typescript-operations"],
      config: { importSchemaTypesFrom: `${dir}/schema.ts`, enumType: "string-literal" },
    },
  },
};

export default config;

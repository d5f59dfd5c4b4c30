import type { JsonSchema } from "../variables/schema.js";
import type { OptimizerFields } from "./optimizer.js";

/** The fields with `schema` filled in when the user gave neither a schema nor a dataModel. */
export function withDefaultSchema<F extends OptimizerFields>(fields: F | undefined, schema: JsonSchema): F {
  const given = (fields ?? {}) as F;
  if (given.schema !== undefined || given.dataModel !== undefined) return given;
  return { ...given, schema };
}

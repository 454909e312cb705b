import { z } from 'zod';

/**
 * zod schemas for the parts of tekton.dev/v1 TaskRun/PipelineRun that Chains reads (https://tekton.dev/docs/chains/slsa-provenance/).
 * Every object is loose: fields we do not model are kept as they came, so `spec` can be emitted whole.
 */

/**
 * A param/result value: string, array of strings, or object of strings (Tekton ParamValue). Like Tekton's
 * UnmarshalJSON, a scalar that is not a string (number, boolean, null) is read as its text.
 */
export const paramValueSchema = z.preprocess(
  (v) => (v === null ? '' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
  z.union([z.string(), z.array(z.string()), z.record(z.string(), z.string())]),
);
export type ParamValue = z.infer<typeof paramValueSchema>;

const stringMap = z.record(z.string(), z.string());

/** Unit-test fixtures upstream omit metadata entirely, so nothing in it is required. */
export const metadataSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

export const paramSchema = z.looseObject({ name: z.string(), value: paramValueSchema });
export const paramSpecSchema = z.looseObject({
  name: z.string(),
  type: z.string().optional(),
  default: paramValueSchema.optional(),
});
export const resultSchema = z.looseObject({
  name: z.string(),
  type: z.string().optional(),
  value: paramValueSchema,
});
export type Param = z.infer<typeof paramSchema>;
export type ParamSpec = z.infer<typeof paramSpecSchema>;
export type RunResult = z.infer<typeof resultSchema>;

export const refSourceSchema = z.looseObject({
  uri: z.string().optional(),
  digest: stringMap.optional(),
  entryPoint: z.string().optional(),
});

export const provenanceSchema = z.looseObject({
  refSource: refSourceSchema.optional(),
  featureFlags: z.record(z.string(), z.unknown()).optional(),
});

export const conditionSchema = z.looseObject({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** RFC 3339 time as Kubernetes prints it (metav1.Time). */
export const timeSchema = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an RFC 3339 time');

export const stepSchema = z.looseObject({
  name: z.string().optional(),
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  script: z.string().optional(),
});
export type Step = z.infer<typeof stepSchema>;

export const stepStateSchema = z.looseObject({
  name: z.string().optional(),
  container: z.string().optional(),
  imageID: z.string().optional(),
  results: z.array(resultSchema).optional(),
  provenance: provenanceSchema.optional(),
});
export type StepState = z.infer<typeof stepStateSchema>;

export const sidecarStateSchema = z.looseObject({
  name: z.string().optional(),
  container: z.string().optional(),
  imageID: z.string().optional(),
});

export const taskRefSchema = z.looseObject({
  name: z.string().optional(),
  kind: z.string().optional(),
  resolver: z.string().optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

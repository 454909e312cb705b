import { z } from 'zod';
import {
  conditionSchema,
  metadataSchema,
  paramSchema,
  paramSpecSchema,
  provenanceSchema,
  resultSchema,
  sidecarStateSchema,
  stepSchema,
  stepStateSchema,
  taskRefSchema,
  timeSchema,
} from './schema.ts';

/** `status.taskSpec` as Tekton records it after resolution. */
export const taskSpecSchema = z.looseObject({
  params: z.array(paramSpecSchema).optional(),
  steps: z.array(stepSchema).optional(),
  results: z.array(z.looseObject({ name: z.string() })).optional(),
});

export const taskRunSpecSchema = z.looseObject({
  params: z.array(paramSchema).optional(),
  taskRef: taskRefSchema.optional(),
  serviceAccountName: z.string().optional(),
});

export const taskRunStatusSchema = z.looseObject({
  conditions: z.array(conditionSchema).optional(),
  startTime: timeSchema.optional(),
  completionTime: timeSchema.optional(),
  steps: z.array(stepStateSchema).optional(),
  sidecars: z.array(sidecarStateSchema).optional(),
  results: z.array(resultSchema).optional(),
  taskSpec: taskSpecSchema.optional(),
  provenance: provenanceSchema.optional(),
});

/** tekton.dev/v1 TaskRun (apiVersion/kind may be absent in fixtures; kind defaults from context). */
export const taskRunSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('TaskRun'),
  metadata: metadataSchema.default({}),
  spec: taskRunSpecSchema.default({}),
  status: taskRunStatusSchema.optional(),
});
export type TaskRun = z.infer<typeof taskRunSchema>;

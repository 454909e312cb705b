import { z } from 'zod';
import {
  conditionSchema,
  metadataSchema,
  paramSchema,
  paramSpecSchema,
  provenanceSchema,
  resultSchema,
  taskRefSchema,
  timeSchema,
} from './schema.ts';

/** One entry of `pipelineSpec.tasks` / `finally`. */
export const pipelineTaskSchema = z.looseObject({
  name: z.string(),
  taskRef: taskRefSchema.optional(),
  runAfter: z.array(z.string()).optional(),
  params: z.array(paramSchema).optional(),
  when: z.array(z.looseObject({})).optional(),
  matrix: z.looseObject({}).optional(),
});
export type PipelineTask = z.infer<typeof pipelineTaskSchema>;

export const pipelineSpecSchema = z.looseObject({
  params: z.array(paramSpecSchema).optional(),
  tasks: z.array(pipelineTaskSchema).optional(),
  finally: z.array(pipelineTaskSchema).optional(),
});

export const childReferenceSchema = z.looseObject({
  name: z.string(),
  kind: z.string().optional(),
  pipelineTaskName: z.string().optional(),
});

export const pipelineRunSpecSchema = z.looseObject({
  params: z.array(paramSchema).optional(),
  pipelineRef: taskRefSchema.optional(),
  taskRunTemplate: z.looseObject({ serviceAccountName: z.string().optional() }).optional(),
});

export const pipelineRunStatusSchema = z.looseObject({
  conditions: z.array(conditionSchema).optional(),
  startTime: timeSchema.optional(),
  completionTime: timeSchema.optional(),
  results: z.array(resultSchema).optional(),
  pipelineSpec: pipelineSpecSchema.optional(),
  childReferences: z.array(childReferenceSchema).optional(),
  provenance: provenanceSchema.optional(),
});

/** tekton.dev/v1 PipelineRun. */
export const pipelineRunSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.literal('PipelineRun'),
  metadata: metadataSchema.default({}),
  spec: pipelineRunSpecSchema.default({}),
  status: pipelineRunStatusSchema.optional(),
});
export type PipelineRun = z.infer<typeof pipelineRunSchema>;

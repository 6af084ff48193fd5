import type { ApiSection } from '../openapi/common.js';
import { getProject, getProjectStats, listProjects, TAG } from './openapi-reads.js';
import { createProject, deleteProject, updateProject } from './openapi-writes.js';
import {
  CreateProjectBody,
  PatchProjectBody,
  ProjectPageSchema,
  ProjectSchema,
  ProjectStatsSchema,
} from './schema.js';

export const projectsApi: ApiSection = {
  tag: {
    name: TAG,
    description:
      'Construction projects. Anyone reads (cached, with ETags); signed-in users create, ' +
      'and a project’s creator or an admin changes or deletes it.',
  },
  schemas: {
    Project: ProjectSchema,
    NewProject: CreateProjectBody,
    ProjectChanges: PatchProjectBody,
    ProjectPage: ProjectPageSchema,
    ProjectStats: ProjectStatsSchema,
  },
  paths: {
    '/projects': { get: listProjects, post: createProject },
    '/projects/stats': { get: getProjectStats },
    '/projects/{id}': { get: getProject, patch: updateProject, delete: deleteProject },
  },
};

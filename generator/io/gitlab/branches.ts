import type { ProjectBranches } from '../../gitlab/branch-cleanup.js';
import { withRetries, type GitlabProject } from './client.js';

export async function projectBranches(project: GitlabProject): Promise<ProjectBranches> {
  const branches = await withRetries(project, 'list the branches', () => project.api.Branches.all(project.projectId, { perPage: 100 }));
  const rules = await withRetries(project, 'list the protected branches', () => project.api.ProtectedBranches.all(project.projectId, { perPage: 100 }));
  return {
    names: branches.map((b) => b.name),
    protectedPatterns: [...branches.filter((b) => b.protected || b.default).map((b) => b.name), ...rules.map((r) => r.name)],
  };
}

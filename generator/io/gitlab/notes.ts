import { withRetries, type GitlabProject } from './client.js';

export interface NoteResult {
  action: 'created' | 'updated';
  noteId: number;
}

/** Post `body` on the merge request, or update the note that already carries `marker`. */
export async function upsertMergeRequestNote(project: GitlabProject, mergeRequestIid: number, marker: string, body: string): Promise<NoteResult> {
  const where = `merge request !${mergeRequestIid}`;
  const notes = await withRetries(project, `list the notes of ${where}`, () =>
    project.api.MergeRequestNotes.all(project.projectId, mergeRequestIid, { perPage: 100, sort: 'asc', orderBy: 'created_at' }),
  );
  const ours = notes.find((note) => !note.system && note.body.includes(marker));
  if (ours) {
    await withRetries(project, `update note ${ours.id} of ${where}`, () =>
      project.api.MergeRequestNotes.edit(project.projectId, mergeRequestIid, ours.id, { body }),
    );
    return { action: 'updated', noteId: ours.id };
  }
  const created = await withRetries(project, `post a note on ${where}`, () => project.api.MergeRequestNotes.create(project.projectId, mergeRequestIid, body));
  return { action: 'created', noteId: created.id };
}

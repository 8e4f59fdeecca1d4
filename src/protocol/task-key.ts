/** The name of a task and of its result, unique in a scheduler. */
export type TaskKey = string;

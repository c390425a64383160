// Processes by id: whether another process still holds what it claimed (a lock file, a data folder).

/** Whether a process with this id exists (one we may not signal still exists). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

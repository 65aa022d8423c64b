import { isSafeRelativePath } from './paths';

/**
 * An in-memory file tree: repo-relative POSIX path -> UTF-8 content.
 * Every generator writes here first; only the commit step touches the disk.
 */
export class Tree {
  private readonly files = new Map<string, string>();

  write(path: string, content: string): void {
    if (!isSafeRelativePath(path)) throw new Error(`refusing unsafe path in tree: ${JSON.stringify(path)}`);
    if (this.files.has(path) && this.files.get(path) !== content) {
      throw new Error(`two generators wrote different content to ${path}`);
    }
    this.files.set(path, content);
  }

  read(path: string): string | undefined {
    return this.files.get(path);
  }

  exists(path: string): boolean {
    return this.files.has(path);
  }

  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  get size(): number {
    return this.files.size;
  }
}

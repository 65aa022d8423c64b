/** The names kustomize (and Flux, which builds with it) reads as a folder's kustomization, in the order it tries them. */
export const KUSTOMIZATION_FILES: readonly string[] = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

// The public API for recipes and refresh scripts.

export * from './debian-binary.ts'
export * from './pin.ts'
export * from './recipe.ts'

// Start-up probe: an empty module that `pnpm bench` runs under tsx and Deno to time process start alone.
export {}

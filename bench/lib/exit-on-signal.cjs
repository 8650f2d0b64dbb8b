// Preloaded (`node -r`) into servers profiled with --cpu-prof: exit normally on SIGTERM so Node writes
// the profile (a process killed by the signal writes none).
process.on('SIGTERM', () => setTimeout(() => process.exit(0), 100));

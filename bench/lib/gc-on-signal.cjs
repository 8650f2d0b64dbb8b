// Preloaded (`node --expose-gc -r`) into every server of scenario (c), Parley and baseline alike: SIGUSR2
// runs a full garbage collection, so "RSS per idle connection" counts what the connections keep alive,
// not how much garbage happened to be waiting for the collector when the sample was taken.
process.on('SIGUSR2', () => global.gc?.());

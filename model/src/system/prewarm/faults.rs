//! The fault points of the prewarm world, by the text's name for each where it has
//! one (SYSTEMS.md S002.A: "Signals SIGINT, SIGKILL, OOM and crashes skip `finally`").

use sim::FaultPoint;

pub const PROCESS_KILL: FaultPoint = FaultPoint {
    name: "process.kill",
    doc: "SIGINT, SIGKILL or OOM kills an eve process at a random moment; its finally does not run",
};

pub const PROCESS_KILL_AT_STEP: FaultPoint = FaultPoint {
    name: "process.kill.between-steps",
    doc: "an eve process is killed between two of its file system calls (after mkdir, mid-write, mid-rm)",
};

pub const PROCESS_UNREAPED: FaultPoint = FaultPoint {
    name: "process.unreaped",
    doc: "a killed process stays a zombie: its parent (a container's pid 1 without init) never reaps it",
};

pub const HOST_RESTART: FaultPoint = FaultPoint {
    name: "host.restart",
    doc: "a host or container restarts: every process dies, the pid namespace starts again at its first pid",
};

pub const FS_SERVER_CRASH: FaultPoint = FaultPoint {
    name: "fs.server.crash",
    doc: "the file server crashes and comes back; unsynced writes are lost if durability says so",
};

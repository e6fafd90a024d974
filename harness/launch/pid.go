package launch

// PID is the server's process id (under taskset too: taskset execs the
// server in its own process). The disk-full scenario lowers the server's
// RLIMIT_FSIZE through it.
func (p *process) PID() int { return p.cmd.Process.Pid }

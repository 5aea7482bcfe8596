//! CPU time of this process, which on a shared machine is fairer than wall-clock time (that
//! also counts other processes' turns on the cores).

/// CPU seconds used so far by this process (user + system, all threads), from
/// `/proc/self/stat` with Linux's 100 ticks per second; `None` where that file does not exist
/// or cannot be read.
pub fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat)
}

/// utime + stime of a `/proc/<pid>/stat` line, in seconds.
fn parse_stat(stat: &str) -> Option<f64> {
    // Fields after the parenthesised command name (which may itself hold spaces and ')')
    // start at field 3 (state); utime and stime are fields 14 and 15.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_after_an_awkward_command_name() {
        let line = "42 (a b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(parse_stat(line), Some(3.0));
        assert_eq!(parse_stat("42 (truncated"), None);
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        let t = process_cpu_seconds().expect("/proc/self/stat on Linux");
        assert!(t >= 0.0);
    }
}

package dev.hull.agent;

/** Stream ids of a process's stdio as sent in create/exec; 0 means not connected (/dev/null). */
public record Stdio(int stdin, int stdout, int stderr) {
    public static final Stdio NONE = new Stdio(0, 0, 0);
}

#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""synth.py - synthetic postured recordings (the test suite's helper).

Turns a timeline of postures into a CSV recording in the format of DESIGN.md
("Recording format"), in the SENSOR frame, ready for `posturectl analyze` and
the replay source. Python 3 standard library only; deterministic for a seed.
"""

import argparse
import bisect
import json
import math
import os
import random
import sys

G = 9.80665
ACTIVITIES = ("still", "fidget", "walk", "gait", "stairs", "fast", "jog", "transfer", "desk",
              "bag")
STEPPING = ("walk", "gait", "stairs", "jog")  # take a step rate: @walk=HZ, ...
# A worn sensor is never quite still: breathing tilts the chest (BREATH_DEG at
# BREATH_HZ, 12 breaths a minute).
BREATH_DEG, BREATH_HZ = 0.5, 0.2
DEMO_SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                         "work-session.spec")

SPEC_HELP = """\
SPEC
  Segments, separated by white space, given inline or in files (a '#' in a
  file starts a comment; "-" reads stdin). Angles are in degrees: THETA is
  the trunk flexion (+ forward), PHI the lateral bend (+ right); durations
  in seconds.

    hold:THETA:DUR            hold THETA (lateral bend unchanged)
    hold:THETA:PHI:DUR        hold THETA and PHI
    hold:THETA,PHI:DUR        the same
    ramp:TO:DUR               move smoothly (raised cosine: still at both
                              ends) from where the previous segment ended to TO
    ramp:FROM:TO:DUR          from FROM to TO; FROM and TO are THETA or
                              THETA,PHI (a missing PHI keeps the current one)

  A hold jumps to its angles at once: put a ramp before it to get there.
  A quick pick-up bend while walking: hold:0:20@walk ramp:66:1.2@walk
  hold:66:1@walk ramp:0:1.2@walk hold:0:20@walk.
  Append @ACTIVITY to any segment (default still):

    @still    a wearer holding still: breathing (the chest tilts by
              +-0.5 deg at 0.2 Hz) besides the sensor noise, as on any
              worn sensor
    @desk     not worn: the sensor lies on a desk or a charger, only
              sensor noise (hold:90@desk lies face-down, hold:-90@desk
              face-up)
    @bag      not worn, carried in a bag: jostled (random sway of about
              +-8 deg at 0.3-1.5 Hz, extra noise), no breathing; a bag may
              hold the sensor any way up (hold:160:20@bag is upside down)
    @fidget   a seated person: slow random sway (about +-2 deg), small
              extra noise from the arms
    @walk     walking: steps at 1.7-2 Hz (vertical, forward and sideways
              bounce of the trunk, small sway)
    @gait     walking as a chest sensor on a real person records it: steps
              at 1.4-2.5 Hz whose heel strikes give the vertical bounce
              strong second and third harmonics (the autocorrelation's first
              peak, at a third of the step, is low: only the step's own peak
              is high), and forward and sideways accelerations large enough
              that a 2 Hz low-pass of gravity sways by 15-20 degrees with
              every step
    @stairs   stairs, up or down, as a chest sensor records them: steps at
              1.2-2 Hz, one leg leading, so that every other step's impact
              is weaker (0.4 times) and the pattern repeats only every
              stride (the step's autocorrelation is low, the stride's high)
    @walk=HZ, @gait=HZ, @stairs=HZ, @jog=HZ   the same at HZ steps a second
    @fast     rapid repeated bends: 0..+40 deg above the segment's angle
              at 1.1 Hz (about 140 deg/s)
    @jog      jogging: steps at 2.6-3 Hz, the chest bouncing by about 1 g
              up and down: impacts of about 3 g and a flight phase in
              which the body is in free fall and the sensor reads about
              0 g (some 40 % of the time under 0.3 g), 0.4 g forward and
              sideways, small sway; a slow jog (@jog=2.3) steps at a
              walking rate
    @transfer the whole body shifting, as in sitting down, lying down or
              turning over in bed: random accelerations of about 1 m/s²
              at 1-2.5 Hz on every axis (the wearer is "moving")

  Postures: lying on the back is THETA -90 (hold:-88,0:DUR), on the right
  side PHI 90 (hold:0,90:DUR); get there with a ramp (e.g.
  "ramp:-88,0:2@transfer"). Sitting reclined against a backrest is a
  negative THETA held with @fidget (hold:-28:600@fidget); sitting down at a
  normal pace is a lean forward and back over a second each way
  (ramp:80,0:1@transfer ramp:0,0:1@transfer).

  The accelerations follow DESIGN.md: (-g sin(PHI) cos(THETA),
  g cos(PHI) cos(THETA), -g sin(THETA)) in the body frame, plus the
  kinematic acceleration of a sensor --radius metres above the hip as the
  trunk rotates in the sagittal plane (tangential r*alpha along +z,
  centripetal -r*omega^2 along +y; it matters for @fast), plus the walking
  bounce, then rotated into the sensor frame (sensor = M^-1 body), offset by
  a constant bias and gaussian noise.

  A file whose text starts with '[' is JSON: a list of objects such as
  {"hold": [35, 2], "dur": 200, "activity": "fidget"} or
  {"ramp": [40], "from": [0, 0], "dur": 2}.

EXAMPLES
  synth.py --rate 50 --seed 1 hold:0:0:10 ramp:0:40:2 hold:40:0:151
  synth.py --seed 3 --mount-matrix "0,1,0;-1,0,0;0,0,1" "hold:0:5 ramp:20,5:2 hold:20,5:60@fidget"
  synth.py --demo --seed 1 > work-session.csv
"""


class SpecError(Exception):
    pass


def _number(text, what):
    try:
        v = float(text)
    except ValueError:
        raise SpecError(f"{what} '{text}' is not a number") from None
    if not math.isfinite(v):
        raise SpecError(f"{what} '{text}' is not finite")
    return v


def _angles(text):
    parts = text.split(",")
    if len(parts) > 2:
        raise SpecError(f"'{text}' is not THETA or THETA,PHI")
    theta = _number(parts[0], "flexion")
    phi = _number(parts[1], "lateral bend") if len(parts) == 2 else None
    for a in (theta, phi):
        if a is not None and abs(a) > 180:
            raise SpecError(f"angle {a:g} is not within -180..180 degrees")
    return theta, phi


class Segment:
    """One piece of the timeline; angles in degrees, times in seconds."""

    def __init__(self, kind, to, dur, activity="still", frm=None):
        if kind not in ("hold", "ramp"):
            raise SpecError(f"unknown segment kind '{kind}' (hold or ramp)")
        activity, _, hz = activity.partition("=")
        self.given_hz = None
        if hz:
            if activity not in STEPPING:
                raise SpecError(f"only {' and '.join(STEPPING)} take a step rate, not '{activity}'")
            self.given_hz = _number(hz, "step rate")
            if not 0.2 <= self.given_hz <= 5:
                raise SpecError(f"step rate {self.given_hz:g} Hz is not within 0.2..5")
        if activity not in ACTIVITIES:
            raise SpecError(f"unknown activity '{activity}' ({', '.join(ACTIVITIES)})")
        if not dur > 0 or not math.isfinite(dur):
            raise SpecError(f"duration {dur:g} s is not positive")
        self.kind, self.to, self.dur, self.activity, self.frm = kind, to, dur, activity, frm
        self.t0 = 0.0
        self.a = self.b = (0.0, 0.0)

    def resolve(self, prev, t0, rng):
        """Fill in missing angles from @prev (where the timeline stands), draw
        the activity's random parameters; return where this segment ends."""
        def full(ang, ref):
            return (ang[0], ref[1] if ang[1] is None else ang[1])

        self.t0 = t0
        self.b = full(self.to, prev)
        self.a = self.b if self.kind == "hold" else full(self.frm or (prev[0], None), prev)
        if self.activity == "bag":
            self.sway = [(rng.uniform(0.3, 1.5), rng.uniform(2, 4), rng.uniform(0, 2 * math.pi),
                          rng.uniform(0.3, 1.5), rng.uniform(2, 4), rng.uniform(0, 2 * math.pi))
                         for _ in range(3)]
        elif self.activity == "fidget":
            self.sway = [(rng.uniform(0.03, 0.4), rng.uniform(0.3, 0.8), rng.uniform(0, 2 * math.pi),
                          rng.uniform(0.03, 0.4), rng.uniform(0.2, 0.6), rng.uniform(0, 2 * math.pi))
                         for _ in range(3)]
        elif self.activity == "walk":
            self.step_hz = self.given_hz or rng.uniform(1.7, 2.0)
        elif self.activity == "gait":
            self.step_hz = self.given_hz or rng.uniform(1.4, 2.5)
            # The heel strike's harmonics: phases of the 2nd and 3rd.
            self.phases = (rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi))
        elif self.activity == "stairs":
            self.step_hz = self.given_hz or rng.uniform(1.2, 2.0)
        elif self.activity == "jog":
            self.step_hz = self.given_hz or rng.uniform(2.6, 3.0)
        elif self.activity == "transfer":
            self.shift = [[(rng.uniform(1.0, 2.5), rng.uniform(0.4, 0.8), rng.uniform(0, 2 * math.pi))
                           for _ in range(2)] for _ in range(3)]
        return self.b

    def _envelope(self, tau, fade):
        """0 at both ends, 1 inside, smooth: activities start and stop gently."""
        x = min(tau, self.dur - tau) / min(fade, self.dur / 4)
        x = min(max(x, 0.0), 1.0)
        return x * x * (3 - 2 * x)

    def angles(self, tau):
        """Flexion and lateral bend (degrees) at @tau seconds into the segment."""
        s = min(max(tau / self.dur, 0.0), 1.0)
        w = (1 - math.cos(math.pi * s)) / 2
        theta = self.a[0] + (self.b[0] - self.a[0]) * w
        phi = self.a[1] + (self.b[1] - self.a[1]) * w
        if self.activity in ("fidget", "bag"):
            e = self._envelope(tau, 1.0)
            for ft, at, pt, fp, ap, pp in self.sway:
                theta += e * at * math.sin(2 * math.pi * ft * tau + pt)
                phi += e * ap * math.sin(2 * math.pi * fp * tau + pp)
        elif self.activity in ("walk", "gait", "stairs"):
            e = self._envelope(tau, 1.0)
            theta += e * 1.5 * math.sin(2 * math.pi * self.step_hz * tau + 1.0)
            phi += e * 1.5 * math.sin(math.pi * self.step_hz * tau)
        elif self.activity == "jog":
            e = self._envelope(tau, 0.5)
            theta += e * 3 * math.sin(2 * math.pi * self.step_hz * tau + 1.0)
            phi += e * 2 * math.sin(math.pi * self.step_hz * tau)
        elif self.activity == "fast":
            theta += self._envelope(tau, 0.5) * 40 * (1 - math.cos(2 * math.pi * 1.1 * tau)) / 2
        if self.activity not in ("desk", "bag"):
            # cos: no angular rate at t = 0, where the differences are one-sided
            theta += BREATH_DEG * math.cos(2 * math.pi * BREATH_HZ * (self.t0 + tau))
        return theta, phi

    def extra(self, tau):
        """Body-frame acceleration (m/s²) that is not trunk rotation, and the
        extra noise of the activity."""
        if self.activity == "walk":
            e, w = self._envelope(tau, 1.0), 2 * math.pi * self.step_hz
            return (e * 0.5 * math.sin(w * tau / 2), e * 1.6 * math.sin(w * tau),
                    e * 0.8 * math.sin(w * tau + 0.5)), 0.15
        if self.activity == "gait":
            e, w = self._envelope(tau, 1.0), 2 * math.pi * self.step_hz
            p2, p3 = self.phases
            vertical = 1.6 * (math.sin(w * tau) + 0.4 * math.sin(2 * w * tau + p2)
                              + 0.9 * math.sin(3 * w * tau + p3))
            forward = 3.0 * math.sin(w * tau + 0.5) + 1.0 * math.sin(2 * w * tau + p2)
            return (e * 1.5 * math.sin(w * tau / 2), e * vertical, e * forward), 0.2
        if self.activity == "stairs":
            # One leg leads: every other step's impact is weaker, and the
            # leading leg's push dips the bounce once a stride.
            e, w = self._envelope(tau, 1.0), 2 * math.pi * self.step_hz
            lead = 1.0 if (self.step_hz * tau) % 2.0 < 1.0 else 0.4
            vertical = 2.0 * lead * math.sin(w * tau) + 0.9 * math.sin(w * tau / 2)
            return (e * 1.2 * math.sin(w * tau / 2), e * vertical,
                    e * 1.5 * math.sin(w * tau + 0.5)), 0.2
        if self.activity == "jog":
            # A step: an impact of about 3 g (a pulse) and a flight phase in
            # free fall, where the sensor reads about 0 g: the pulse carries
            # the whole of g on average (3 g times 0.188 * sqrt(pi) = 1 g).
            e, ph = self._envelope(tau, 0.5), (self.step_hz * tau) % 1.0
            v = G * (3.0 * math.exp(-((ph - 0.3) / 0.188) ** 2) - 1.0)
            w = 2 * math.pi * self.step_hz
            return (e * 4.0 * math.sin(w * tau / 2), e * v, e * 4.0 * math.sin(w * tau + 0.5)), 0.5
        if self.activity == "transfer":
            e = self._envelope(tau, 0.2)
            return tuple(e * sum(a * math.sin(2 * math.pi * f * tau + p) for f, a, p in axis)
                         for axis in self.shift), 0.1
        if self.activity == "fidget":
            return (0.0, 0.0, 0.0), 0.05
        if self.activity == "bag":
            return (0.0, 0.0, 0.0), 0.3
        return (0.0, 0.0, 0.0), 0.0


def parse_token(tok):
    body, _, activity = tok.partition("@")
    fields = body.split(":")
    kind, args = fields[0], fields[1:]
    activity = activity or "still"
    try:
        if kind == "hold":
            if len(args) == 2:
                return Segment("hold", _angles(args[0]), _number(args[1], "duration"), activity)
            if len(args) == 3:
                return Segment("hold", (_number(args[0], "flexion"), _number(args[1], "lateral bend")),
                               _number(args[2], "duration"), activity)
        elif kind == "ramp":
            if len(args) == 2:
                return Segment("ramp", _angles(args[0]), _number(args[1], "duration"), activity)
            if len(args) == 3:
                return Segment("ramp", _angles(args[1]), _number(args[2], "duration"), activity,
                               frm=_angles(args[0]))
        else:
            raise SpecError(f"unknown segment kind '{kind}' (hold or ramp)")
        raise SpecError(f"wrong number of fields for {kind}")
    except SpecError as e:
        raise SpecError(f"segment '{tok}': {e}") from None


def parse_json(text, name):
    try:
        items = json.loads(text)
    except ValueError as e:
        raise SpecError(f"{name}: {e}") from None
    if not isinstance(items, list):
        raise SpecError(f"{name}: not a list of segments")
    segs = []
    for i, it in enumerate(items):
        try:
            kind = "hold" if "hold" in it else "ramp"
            ang = it.get(kind)
            if not isinstance(ang, list) or not 1 <= len(ang) <= 2:
                raise SpecError(f"'{kind}' must be [THETA] or [THETA, PHI]")
            to = _angles(",".join(str(x) for x in ang))
            frm = _angles(",".join(str(x) for x in it["from"])) if "from" in it else None
            segs.append(Segment(kind, to, float(it["dur"]), it.get("activity", "still"), frm))
        except (SpecError, KeyError, TypeError, ValueError) as e:
            raise SpecError(f"{name}: segment {i + 1}: {e}") from None
    return segs


def parse_spec(args):
    segs = []
    for arg in args:
        if arg == "-" or os.path.isfile(arg):
            name = "<stdin>" if arg == "-" else arg
            text = sys.stdin.read() if arg == "-" else open(arg, encoding="utf-8").read()
            if text.lstrip().startswith("["):
                segs += parse_json(text, name)
                continue
            toks = [t for line in text.splitlines() for t in line.split("#", 1)[0].split()]
        else:
            toks = arg.split()
        segs += [parse_token(t) for t in toks]
    if not segs:
        raise SpecError("empty timeline")
    return segs


def parse_matrix(text):
    """IIO mount matrix "x1,y1,z1;x2,y2,z2;x3,y3,z3": rows map sensor to body."""
    try:
        m = [[float(v) for v in row.split(",")] for row in text.split(";")]
    except ValueError:
        m = []
    if len(m) != 3 or any(len(r) != 3 or not all(math.isfinite(v) for v in r) for r in m):
        raise SpecError(f"mount matrix '{text}' is not 3 rows of 3 numbers")
    return m


def invert(m):
    c = [[m[(j + 1) % 3][(i + 1) % 3] * m[(j + 2) % 3][(i + 2) % 3]
          - m[(j + 1) % 3][(i + 2) % 3] * m[(j + 2) % 3][(i + 1) % 3] for j in range(3)]
         for i in range(3)]
    det = sum(m[0][k] * c[k][0] for k in range(3))
    if abs(det) < 1e-9:
        raise SpecError("mount matrix is singular")
    return [[c[i][j] / det for j in range(3)] for i in range(3)]


class Timeline:
    def __init__(self, segs, rng):
        self.segs, self.starts, t, prev = segs, [], 0.0, (0.0, 0.0)
        for s in segs:
            self.starts.append(t)
            prev = s.resolve(prev, t, rng)
            t += s.dur
        self.duration = t

    def at(self, t):
        i = max(0, min(bisect.bisect_right(self.starts, t) - 1, len(self.segs) - 1))
        return self.segs[i], t - self.starts[i]

    def angles(self, t):
        seg, tau = self.at(t)
        return seg.angles(tau)


def glitch(sensor, grng):
    """Corrupt one sample as a flaky sensor or bus does: a spike of 15-40 m/s²
    on one axis, or a read of all zeros."""
    if grng.random() < 0.5:
        axis = grng.randrange(3)
        sensor[axis] += grng.choice((-1.0, 1.0)) * grng.uniform(15.0, 40.0)
    else:
        sensor[:] = [0.0, 0.0, 0.0]


def sample_times(duration, rate, jitter, jrng):
    """The sample times: every 1/@rate s, or, with @jitter, each interval
    1/@rate s times 1 ± up to @jitter, drawn at random (as a Bluetooth sensor
    delivers), never before the last."""
    n = int(round(duration * rate))
    if not jitter:
        for i in range(n):
            yield i / rate
        return
    t = 0.0
    while t < duration:
        yield t
        t += (1.0 + jrng.uniform(-jitter, jitter)) / rate


def stamped(times, stalls, srng):
    """(taken, stamped) for each sample time: with @stalls per minute, the
    link stalls now and then for 0.1-0.3 s (as a Bluetooth link does, at
    random), and the samples taken meanwhile arrive together at its end, a
    few ms apart, stamped with their arrival; the rest arrive at once."""
    until, last = -1.0, -1.0
    for t in times:
        if t >= until and stalls > 0 and srng.random() < stalls / 60.0 * 0.05:
            until = t + srng.uniform(0.1, 0.3)
        s = until + srng.uniform(0.002, 0.006) if t < until else t
        last = max(s, last + 1e-4)
        yield t, last


def generate(timeline, rate, rng, noise, bias, minv, radius, out, glitches=0.0, grng=None,
             jitter=0.0, jrng=None, stalls=0.0, srng=None, tilt=0.0, held=0.0, hrng=None):
    h = 1e-3  # for the angular rate and acceleration, by central differences
    p_glitch = glitches / 60.0 / rate
    line = None
    for t, stamp in stamped(sample_times(timeline.duration, rate, jitter, jrng), stalls, srng):
        seg, tau = timeline.at(t)
        theta, phi = map(math.radians, seg.angles(tau))
        th_m, th_p = (math.radians(timeline.angles(max(t + d, 0.0))[0]) for d in (-h, h))
        omega, alpha = (th_p - th_m) / (2 * h), (th_p - 2 * theta + th_m) / (h * h)
        (ex, ey, ez), extra_noise = seg.extra(tau)
        body = (-G * math.sin(phi) * math.cos(theta) + ex,
                G * math.cos(phi) * math.cos(theta) - radius * omega * omega + ey,
                -G * math.sin(theta) + radius * alpha + ez)
        if tilt:
            # The sensor sits tilted about the body's x axis (an inclined
            # sternum or chest strap): it reads the trunk's angle plus @tilt.
            ct, st = math.cos(math.radians(tilt)), math.sin(math.radians(tilt))
            body = (body[0], body[1] * ct + body[2] * st, -body[1] * st + body[2] * ct)
        sigma = math.hypot(noise, extra_noise)
        sensor = [sum(minv[r][k] * body[k] for k in range(3)) + bias[r] + rng.gauss(0.0, sigma)
                  for r in range(3)]
        if p_glitch > 0 and grng.random() < p_glitch:
            glitch(sensor, grng)
        if line is None or not (held > 0 and hrng.random() < held):
            line = "%.5f,%.5f,%.5f" % tuple(sensor)
        out.write("%.6f,%s\n" % (stamp, line))


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="synth.py", description="Write a synthetic postured recording (CSV) to stdout.",
        epilog=SPEC_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec", nargs="*", help="segments or spec files (see SPEC)")
    ap.add_argument("--rate", type=float, default=50.0, help="samples per second (50)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--noise", type=float, default=0.05, help="gaussian noise, m/s² per axis (0.05)")
    ap.add_argument("--bias", help="sensor offset X,Y,Z in m/s² (default: random, within ±0.08)")
    ap.add_argument("--mount-matrix", metavar="M",
                    help='IIO mount matrix "x1,y1,z1;x2,y2,z2;x3,y3,z3" mapping sensor to body '
                         "axes; the CSV is written in the sensor frame (identity)")
    ap.add_argument("--radius", type=float, default=0.45,
                    help="sensor height above the hip, m, for the kinematic acceleration (0.45)")
    ap.add_argument("--glitches", type=float, default=0.0, metavar="N",
                    help="single-sample glitches per minute, on average: a spike of 15-40 m/s² "
                         "on one axis or a sample of all zeros (0; drawn from their own random "
                         "stream, so the rest of the recording stays the same)")
    ap.add_argument("--jitter", type=float, default=0.0, metavar="F",
                    help="irregular timing: each interval is 1/RATE times 1 ± up to F, at random "
                         "(0; e.g. 0.5 for a 20 Hz Bluetooth sensor; from its own random stream)")
    ap.add_argument("--stalls", type=float, default=0.0, metavar="N",
                    help="Bluetooth stalls per minute, on average: the link stops for 0.1-0.3 s "
                         "and the samples taken meanwhile arrive in a burst at its end, stamped "
                         "as they arrive (0; from its own random stream)")
    ap.add_argument("--tilt", type=float, default=0.0, metavar="DEG",
                    help="the sensor sits tilted DEG (+ forward) about the body's x axis from "
                         "the upright the mount matrix implies, as a chest sensor on an inclined "
                         "sternum or strap (real ones: up to about 45 deg back); hold:0 then "
                         "reads DEG (0)")
    ap.add_argument("--held", type=float, default=0.0, metavar="F",
                    help="held values: a share F of the samples repeat the one before them "
                         "exactly, as a Bluetooth sensor resends its last reading when no new one "
                         "is ready (0; e.g. 0.25; from its own random stream)")
    ap.add_argument("--demo", action="store_true",
                    help="the ~12-minute work session of tests/data/work-session.spec")
    ap.add_argument("-o", "--output", help="write here instead of stdout")
    a = ap.parse_args(argv)

    try:
        if a.demo == bool(a.spec):
            raise SpecError("give either SPEC or --demo")
        if not 0 < a.rate <= 10000 or not 0 <= a.noise < 100 or not 0 <= a.radius < 5:
            raise SpecError("--rate, --noise or --radius out of range")
        if not 0 <= a.glitches <= 60 * a.rate:
            raise SpecError("--glitches out of range")
        if not -90 <= a.tilt <= 90:
            raise SpecError("--tilt must be within -90..90")
        if not 0 <= a.jitter < 1:
            raise SpecError("--jitter must be at least 0 and below 1")
        if not 0 <= a.stalls <= 600:
            raise SpecError("--stalls must be within 0..600")
        if not 0 <= a.held < 1:
            raise SpecError("--held must be at least 0 and below 1")
        spec_args = [DEMO_SPEC] if a.demo else a.spec
        segs = parse_spec(spec_args)
        m = parse_matrix(a.mount_matrix) if a.mount_matrix else [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        minv = invert(m)
        rng = random.Random(a.seed)
        if a.bias:
            bias = [_number(v, "bias") for v in a.bias.split(",")]
            if len(bias) != 3:
                raise SpecError("--bias needs X,Y,Z")
        else:
            bias = [rng.uniform(-0.08, 0.08) for _ in range(3)]
        timeline = Timeline(segs, rng)
    except (SpecError, OSError) as e:
        print(f"synth.py: {e}", file=sys.stderr)
        return 2

    try:
        write(a, segs, bias, minv, timeline, rng)
    except BrokenPipeError:
        # The reader stopped early (`synth.py ... | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    return 0


def write(a, segs, bias, minv, timeline, rng):
    if not a.output:
        write_csv(a, segs, bias, minv, timeline, rng, sys.stdout)
        sys.stdout.flush()
        return
    with open(a.output, "w", encoding="utf-8", newline="\n") as out:
        write_csv(a, segs, bias, minv, timeline, rng, out)


def write_csv(a, segs, bias, minv, timeline, rng, out):
    out.write("# postured recording\n")
    out.write("# source: synth.py\n")
    out.write(f"# rate_hz: {a.rate:g}\n")
    out.write(f"# seed: {a.seed}\n")
    out.write(f"# noise: {a.noise:g}\n")
    out.write("# bias: %.4f,%.4f,%.4f\n" % tuple(bias))
    if a.mount_matrix:
        out.write(f"# mount_matrix: {a.mount_matrix}\n")
    if a.glitches:
        out.write(f"# glitches_per_min: {a.glitches:g}\n")
    if a.jitter:
        out.write(f"# jitter: {a.jitter:g}\n")
    if a.stalls:
        out.write(f"# stalls_per_min: {a.stalls:g}\n")
    if a.tilt:
        out.write(f"# tilt: {a.tilt:g}\n")
    if a.held:
        out.write(f"# held: {a.held:g}\n")
    for s in segs:
        out.write(f"# segment {s.t0:8.2f} s: {s.kind} {s.a[0]:g},{s.a[1]:g}"
                  + (f" -> {s.b[0]:g},{s.b[1]:g}" if s.kind == "ramp" else "")
                  + f" for {s.dur:g} s, {s.activity}\n")
    out.write("time_s,ax,ay,az\n")
    generate(timeline, a.rate, rng, a.noise, bias, minv, a.radius, out,
             a.glitches, random.Random(f"glitch-{a.seed}"), a.jitter, random.Random(f"jitter-{a.seed}"),
             a.stalls, random.Random(f"stalls-{a.seed}"), a.tilt, a.held, random.Random(f"held-{a.seed}"))


if __name__ == "__main__":
    sys.exit(main())

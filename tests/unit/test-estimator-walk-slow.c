/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Walking on a slow sensor (block = 1, estimator-walk.c): the readings'
 * three-tap smoother, which removes impacts shorter than a reading but keeps
 * a step's peak, and flights counted in the readings themselves.
 */
#include "motion-harness.h"

/* The vertical (and a little sideways) acceleration @f(i, arg) at reading i,
 * after 5 s still, for @seconds at @rate_hz. Return: samples classed walking
 * after the first 5 s of it. */
static size_t gait(double rate_hz, double (*f)(size_t i, double rate_hz, double arg), double arg,
                   double seconds)
{
        double g[3], zero[3] = { 0, 0, 0 };
        size_t walking = 0, n = (size_t) (seconds * rate_hz);
        Wearer w;

        wearer_init(&w, rate_hz);
        body_gravity(0, 0, g);
        for (int i = 0; i < 5 * rate_hz; i++)
                feed(&w, g, zero, 0);
        for (size_t i = 0; i < n; i++) {
                double e[3] = { 0.3 * sin(M_PI * 2.0 * (double) i / rate_hz), f(i, rate_hz, arg),
                                0 };

                feed(&w, g, e, 0);
                if ((double) i >= 5 * rate_hz)
                        walking += w.last.activity == ACTIVITY_WALKING;
        }
        wearer_done(&w);
        return walking;
}

/* Claps at @hz a second: each an impact shorter than a reading, 3 m/s² up
 * one reading and as much down the next, nothing in between. */
static double claps(size_t i, double rate_hz, double hz)
{
        size_t period = (size_t) lround(rate_hz / hz), ph = i % period;

        return ph == 0 ? 3.0 : ph == 1 ? -3.0 : 0;
}

/* Steps at @hz a second whose peak is a single reading: a raised cosine
 * 2.5 readings wide at its base, 4 m/s² high, then a shallow trough. */
static double sharp_steps(size_t i, double rate_hz, double hz)
{
        double per = rate_hz / hz, ph = fmod((double) i, per), d = fmin(ph, per - ph);

        return d < 1.25 ? 4.0 * (0.5 + 0.5 * cos(M_PI * d / 1.25)) - 1.0 : -1.0;
}

/* A rhythm of impacts shorter than a reading (claps at the chest) is
 * periodic at a step rate, but the three-tap smoother takes it out: not
 * walking, at 15 or 20 readings a second. */
static void test_walking_slow_claps(void **state)
{
        assert_int_equal(gait(20, claps, 2.0, 15), 0);
        assert_int_equal(gait(20, claps, 2.5, 15), 0);
        assert_int_equal(gait(15, claps, 2.5, 15), 0);
}

/* Steps whose peak is one reading (2.4 steps a second at 15 readings a
 * second) are a walk: the smoother scales them, it does not clip them. */
static void test_walking_slow_sharp_steps(void **state)
{
        assert_int_equal(gait(15, sharp_steps, 2.4, 15), 10 * 15);
        assert_int_equal(gait(20, sharp_steps, 2.0, 15), 10 * 20);
}

/* A flight of two readings a step: at 2 steps a second and 20 readings a
 * second, a fifth of the readings near free fall is running, although the
 * smoother fills that dip with the readings beside it (to over 0.3 g); the
 * same steps with their trough at 0.45 g are a walk. */
static double bounce(size_t i, double rate_hz, double floor_g)
{
        size_t ph = i % 10;

        (void) rate_hz;
        if (ph < 2)
                return -G * (1 - floor_g);
        return G * (1 - floor_g) * 2.0 / 8.0 * M_PI / 2 * sin(M_PI * (double) (ph - 1) / 9.0);
}

static void test_walking_slow_flight(void **state)
{
        assert_int_equal(gait(20, bounce, 0.1, 15), 0);
        assert_int_equal(gait(20, bounce, 0.45, 15), 10 * 20);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_walking_slow_claps),
                cmocka_unit_test(test_walking_slow_sharp_steps),
                cmocka_unit_test(test_walking_slow_flight),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}

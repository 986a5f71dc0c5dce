from marketplace.celery import app, nightly_schedule


def test_nightly_entry_runs_at_three_local_time(settings):
    entry = nightly_schedule()["levels-nightly-evaluation"]

    assert entry["task"] == "levels.evaluate_nightly"
    assert entry["schedule"].hour == {3}
    assert entry["schedule"].minute == {0}
    assert app.conf.timezone == settings.TIME_ZONE == "Asia/Riyadh"
    app.loader.import_default_modules()
    assert "levels.evaluate_nightly" in app.tasks

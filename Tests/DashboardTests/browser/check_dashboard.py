#!/usr/bin/env python3
# Drives headless Chromium (Debian's chromium + chromium-driver, Selenium from PyPI) against a
# running `queuectl dashboard` and checks the rendered page: the counts, the groups table, a hostile command shown as
# literal text (no element created, no script run), and Retry on a dead job moving it to pending.
# Prints one line per check; exits 0 when all passed, 1 at the first failure.

import argparse
import json
import sys

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)
    print("ok:", message, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--counts", required=True, help="JSON object: state -> expected count")
    parser.add_argument("--hostile-id", required=True)
    parser.add_argument("--hostile-command", required=True)
    parser.add_argument("--hostile-output", help="text the hostile job printed, to find in its output view")
    parser.add_argument("--retry-id", required=True)
    parser.add_argument("--worker-job", help="the job a live worker is running")
    parser.add_argument("--groups", help="JSON array of the groups table's rows: [group, running, limit, pending, state]")
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--chromedriver", required=True)
    args = parser.parse_args()
    counts = json.loads(args.counts)

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1400", "--lang=en-US"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=args.chromedriver))
    try:
        run_checks(driver, args, counts)
    except (CheckFailed, TimeoutException) as failure:
        print("FAIL:", failure or "timed out", flush=True)
        try:
            driver.save_screenshot(args.screenshot)
            for entry in driver.get_log("browser"):
                print("browser console:", entry.get("level"), entry.get("message"), flush=True)
        except Exception as error:  # the page may be gone; the failure above is what matters
            print("(no screenshot or console log:", error, ")")
        return 1
    finally:
        driver.quit()
    print("browser checks passed", flush=True)
    return 0


def text_of(driver, selector):
    elements = driver.find_elements(By.CSS_SELECTOR, selector)
    return elements[0].text if elements else None


def wait_for(driver, description, condition, timeout=15):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d))
    except TimeoutException:
        raise CheckFailed("timed out waiting until " + description)


def assert_no_injection(driver, where):
    check(driver.execute_script("return document.querySelectorAll('img, [onerror], iframe, object, embed').length") == 0,
          where + ": no <img>, [onerror], iframe or object element exists")
    check(driver.execute_script("return document.scripts.length") == 1, where + ": the page's own script is the only one")
    check(driver.execute_script("return window.pwned === undefined"), where + ": no injected script ran")
    try:
        alert = driver.switch_to.alert
        raise CheckFailed(where + ": an alert opened: " + alert.text)
    except NoAlertPresentException:
        print("ok:", where + ": no alert opened", flush=True)


def run_checks(driver, args, counts):
    driver.set_page_load_timeout(30)
    driver.get(args.url)
    check(driver.title.startswith("queuectl"), "the page loaded: " + driver.title)

    for state, expected in counts.items():
        selector = '[data-count="%s"]' % state
        wait_for(driver, "the %s card shows %d" % (state, expected), lambda d: text_of(d, selector) == str(expected))
        check(True, "%s count is %d" % (state, expected))
    check(driver.find_element(By.ID, "donut").find_elements(By.CSS_SELECTOR, "circle.arc"), "the state chart has arcs")
    check(driver.find_element(By.ID, "spark").find_elements(By.CSS_SELECTOR, "polyline"), "the sparkline is drawn")
    if args.worker_job:
        row = '#table-workers tr[data-id="%s"]' % args.worker_job
        wait_for(driver, "the workers table shows the worker running " + args.worker_job, lambda d: d.find_elements(By.CSS_SELECTOR, row))
        check(True, "a live worker is listed with its job and heartbeat: " + text_of(driver, row).replace("\n", " "))
        check(driver.find_elements(By.CSS_SELECTOR, '#table-processing tr[data-id="%s"]' % args.worker_job),
              "the processing table lists " + args.worker_job)

    if args.groups:
        rows = json.loads(args.groups)
        for row in rows:
            selector = '#table-groups tr[data-group="%s"] td' % row[0]
            wait_for(driver, "the groups table shows " + " ".join(row),
                     lambda d: [cell.text for cell in d.find_elements(By.CSS_SELECTOR, selector)] == row)
            check(True, "the groups table shows " + " | ".join(row))
        check(driver.find_element(By.ID, "sec-groups").is_displayed(), "the groups panel is shown")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#table-groups tbody tr")) == len(rows), "one row a group")
        check("paused" in (text_of(driver, "#note-groups") or ""), "the groups note counts the paused group: " + text_of(driver, "#note-groups"))

    hostile_cell = '#table-dead tr[data-id="%s"] td.cmd' % args.hostile_id
    wait_for(driver, "the hostile job is in the dead table", lambda d: d.find_elements(By.CSS_SELECTOR, hostile_cell))
    shown = driver.execute_script("return document.querySelector(arguments[0]).textContent", hostile_cell)
    check(shown == args.hostile_command, "the hostile command is shown as literal text: " + shown)
    assert_no_injection(driver, "table")

    search = driver.find_element(By.ID, "search")
    search.send_keys("onerror")
    wait_for(driver, "the search leaves only the hostile job",
             lambda d: [r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#tables tbody tr")] == [args.hostile_id])
    check(True, "searching 'onerror' filters the tables down to the hostile job")
    search.clear()
    search.send_keys(" ")  # an input event with an empty query restores every row
    wait_for(driver, "every row is back", lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tables tbody tr")) > 1)

    driver.find_element(By.CSS_SELECTOR, '#table-dead tr[data-id="%s"] td.id a' % args.hostile_id).click()
    wait_for(driver, "the job view shows the hostile job's record",
             lambda d: d.find_element(By.ID, "job").is_displayed() and args.hostile_id in d.find_element(By.ID, "job-record").text)
    if args.hostile_output:
        check(args.hostile_output in driver.find_element(By.ID, "job-output").text, "the job view shows the output as text")
    check(args.hostile_command in driver.find_element(By.ID, "job-facts").text, "the job view shows the command as text")
    check('"id": "%s"' % args.hostile_id in driver.find_element(By.ID, "job-record").text, "the job view shows the record")
    assert_no_injection(driver, "job view")
    driver.find_element(By.ID, "job-close").click()
    wait_for(driver, "the job view closes", lambda d: not d.find_element(By.ID, "job").is_displayed())

    button = '#table-dead button[data-retry="%s"]' % args.retry_id
    wait_for(driver, "a Retry button on " + args.retry_id, lambda d: d.find_elements(By.CSS_SELECTOR, button))
    driver.find_element(By.CSS_SELECTOR, button).click()
    wait_for(driver, args.retry_id + " moves from the dead table to the pending table",
             lambda d: d.find_elements(By.CSS_SELECTOR, '#table-pending tr[data-id="%s"]' % args.retry_id)
             and not d.find_elements(By.CSS_SELECTOR, '#table-dead tr[data-id="%s"]' % args.retry_id))
    check(True, "pressing Retry moved %s to the pending table" % args.retry_id)
    wait_for(driver, "the counts follow", lambda d: text_of(d, '[data-count="dead"]') == str(counts["dead"] - 1)
             and text_of(d, '[data-count="pending"]') == str(counts["pending"] + 1))
    check(True, "the dead and pending counts changed by one")
    check("is pending again" in (text_of(driver, "#toast") or ""), "a notice confirms the retry")
    driver.save_screenshot(args.screenshot)
    check(True, "screenshot saved to " + args.screenshot)


if __name__ == "__main__":
    sys.exit(main())

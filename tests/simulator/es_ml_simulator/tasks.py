"""Node-local task registry: ids for deletes and their stored results (TaskResult, GET _tasks)."""
import itertools
import time

from . import errors


class Task:
    def __init__(self, node_id, number, action, description, stored):
        self.node_id = node_id
        self.number = number
        self.action = action
        self.description = description
        self.stored = stored          # wait_for_completion=false keeps the result for GET _tasks
        self.start_ms = int(time.time() * 1000)
        self.start_mono = time.monotonic()
        self.ended_mono = None
        self.response = None
        self.error = None             # an EsError

    @property
    def task_id(self):
        return "%s:%d" % (self.node_id, self.number)

    @property
    def completed(self):
        return self.ended_mono is not None

    def finish(self, response=None, error=None):
        self.response, self.error = response, error
        self.ended_mono = time.monotonic()

    def info(self):
        end = self.ended_mono if self.completed else time.monotonic()
        return {"node": self.node_id, "id": self.number, "type": "transport", "action": self.action,
                "description": self.description, "start_time_in_millis": self.start_ms,
                "running_time_in_nanos": int((end - self.start_mono) * 1e9),
                "cancellable": False, "headers": {}}

    def result(self):
        """The GET _tasks/<id> body (TaskResult): completed, task, then response or error."""
        body = {"completed": self.completed, "task": self.info()}
        if self.completed and self.error is not None:
            body["error"] = self.error.task_error()
        elif self.completed:
            body["response"] = self.response
        return body


class TaskStore:
    """Running tasks and stored results of one node. Callers hold the cluster lock."""

    def __init__(self, node_id):
        self.node_id = node_id
        self._numbers = itertools.count(1000)
        self._tasks = {}

    def start(self, action, description, stored):
        task = Task(self.node_id, next(self._numbers), action, description, stored)
        self._tasks[task.task_id] = task
        return task

    def finish(self, task, response=None, error=None):
        task.finish(response, error)
        if not task.stored:
            del self._tasks[task.task_id]

    def orphan_id(self):
        """A task id whose task is gone, as left in `blocked` by a delete that died with its node."""
        return "%s:%d" % (self.node_id, next(self._numbers))

    def get(self, task_id):
        """The task for a GET _tasks/<id>, or ES's 400/404 for a malformed or unknown id."""
        node, _, number = task_id.partition(":")
        if not node or not number.isdigit():
            raise errors.bad_request("malformed task id %s" % task_id)
        task = self._tasks.get(task_id)
        if task is None:
            raise errors.not_found("task [%s] isn't running and hasn't stored its results" % task_id)
        return task

    def clear(self):
        self._tasks.clear()

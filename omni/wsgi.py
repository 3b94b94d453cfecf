import os

from django.core.wsgi import get_wsgi_application

from omni.garbage_collection import settle_garbage_collection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omni.settings")
application = get_wsgi_application()
settle_garbage_collection()

//! The core's errors as Python exceptions, split by fault as `errors::Error` is: the one place
//! they cross into Python.

use pyo3::exceptions::PyException;
use pyo3::{create_exception, PyErr};

use crate::errors::Error;

create_exception!(_core, CoreError, PyException, "Base class of every error raised by the core.");
create_exception!(_core, ImageFormatError, CoreError, "The image's bytes are damaged or not what they claim to be.");
create_exception!(_core, UnsupportedError, CoreError, "The image is valid but uses a feature the core does not read.");
create_exception!(_core, LimitError, CoreError, "The work would exceed a configured limit.");
create_exception!(_core, ImageIoError, CoreError, "The image could not be read from its storage.");
create_exception!(_core, RequestError, CoreError, "The request asks for something the image does not have.");
create_exception!(_core, StoppedError, CoreError, "The work was stopped by its caller (`Stop.stop`) before it was done.");

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err {
            Error::Format(m) => ImageFormatError::new_err(m),
            Error::Unsupported(m) => UnsupportedError::new_err(m),
            Error::Limit(m) => LimitError::new_err(m),
            Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                ImageFormatError::new_err("the image file ends before its data does")
            }
            Error::Io(e) => ImageIoError::new_err(e.kind().to_string()),
            Error::Request(m) => RequestError::new_err(m),
            Error::Stopped => StoppedError::new_err("the work was stopped before it was done"),
            // A Python reader's exception reaches the caller unchanged.
            Error::Reader(e) => match e.downcast::<PyErr>() {
                Ok(raised) => *raised,
                Err(other) => ImageIoError::new_err(other.to_string()),
            },
        }
    }
}

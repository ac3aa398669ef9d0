{
  "targets": [
    {
      "target_name": "gpio_cdev",
      "sources": ["src/gpio_cdev.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
